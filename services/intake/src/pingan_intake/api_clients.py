"""Third-party API keys, resolved from ``api_clients`` and kept for a short while.

Every request with a key would otherwise read the table: a 110 transfer, a third party's
submission, and notify reading a caller's number before each receipt SMS (once for the key,
once more for its scopes). A key found is kept for ``ttl_s`` (``api_key_cache_seconds``), so a
deactivated key keeps working until its entry expires. An unknown key is never kept: a new key
works at once, and random keys cannot fill the cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_intake.models import ApiClient

# Far more than a county's clients; when exceeded, the cache starts again.
MAX_ENTRIES = 1024


@dataclass(frozen=True)
class ApiClientRecord:
    principal: Principal
    scopes: frozenset[str]


@dataclass
class ApiClientCache:
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]
    ttl_s: float
    clock: Callable[[], float] = time.monotonic
    _by_digest: dict[str, tuple[float, ApiClientRecord]] = field(default_factory=dict)
    _by_subject: dict[str, tuple[float, ApiClientRecord]] = field(default_factory=dict)

    async def by_key(self, key: str) -> ApiClientRecord | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        cached = self._fresh(self._by_digest, digest)
        if cached is not None:
            return cached
        async with self.transaction() as session:
            client = await session.scalar(
                select(ApiClient).where(ApiClient.key_sha256 == digest, ApiClient.active)
            )
        if client is None:
            return None
        record = _record(client)
        self._keep(digest, record)
        return record

    async def scopes(self, principal: Principal) -> frozenset[str]:
        cached = self._fresh(self._by_subject, principal.subject)
        if cached is not None:
            return cached.scopes
        client_id = principal.subject.removeprefix("client:")
        async with self.transaction() as session:
            scopes = await session.scalar(
                select(ApiClient.scopes).where(ApiClient.client_id == client_id)
            )
        return frozenset(scopes or ())

    def _fresh(
        self, entries: dict[str, tuple[float, ApiClientRecord]], key: str
    ) -> ApiClientRecord | None:
        entry = entries.get(key)
        if entry is None:
            return None
        expires, record = entry
        if self.clock() >= expires:
            del entries[key]
            return None
        return record

    def _keep(self, digest: str, record: ApiClientRecord) -> None:
        if self.ttl_s <= 0:
            return
        if len(self._by_digest) >= MAX_ENTRIES:
            self._by_digest.clear()
            self._by_subject.clear()
        entry = (self.clock() + self.ttl_s, record)
        self._by_digest[digest] = entry
        self._by_subject[record.principal.subject] = entry


def _record(client: ApiClient) -> ApiClientRecord:
    principal = Principal(
        subject=f"client:{client.client_id}",
        name=client.name,
        kind="api_client",
        channels=frozenset(client.channels),
        area_codes=tuple(client.area_codes),
    )
    return ApiClientRecord(principal, frozenset(client.scopes or ()))
