"""The service key another service reads parties' contacts with (notify, to text a session
notice to each party at send time): a key whose SHA-256 is in the settings stands for that
service; parties' phones never travel in events, and nobody else reads them this way."""

from __future__ import annotations

import hashlib
import hmac
from typing import cast

from pingan_common.auth import Principal
from pingan_common.auth.dependencies import ApiKeyResolver
from pingan_common.runtime import Runtime
from pingan_mediation.settings import MediationSettings


def api_key_resolver(runtime: Runtime) -> ApiKeyResolver:
    async def resolve(key: str) -> Principal | None:
        settings = cast(MediationSettings, runtime.settings)
        digest = hashlib.sha256(key.encode()).hexdigest()
        if not hmac.compare_digest(digest, settings.contact_reader_key_sha256):
            return None
        return Principal(
            subject=f"client:{settings.contact_reader_name}",
            name="联系方式读取（通知服务）",
            kind="api_client",
            area_codes=(settings.county_code,),
        )

    return resolve
