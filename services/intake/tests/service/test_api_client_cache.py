"""API keys are kept for a short while (api_clients.py), on the real database: a found key is
served without a read until it expires, so a deactivated one works until then; an unknown key is
never kept, so a key added later works at once."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import insert, update

from pingan_intake.api_clients import ApiClientCache
from pingan_intake.models import ApiClient


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _add_client(api, key: str, *, scopes: list[str]) -> str:  # type: ignore[no-untyped-def]
    client_id = f"cache-test-{uuid.uuid4().hex[:8]}"
    async with api.service.runtime.transaction() as session:
        await session.execute(
            insert(ApiClient).values(
                client_id=client_id,
                name="缓存测试客户端",
                key_sha256=hashlib.sha256(key.encode()).hexdigest(),
                channels=["third_party"],
                area_codes=["331199001"],
                scopes=scopes,
                active=True,
            )
        )
    return client_id


async def _deactivate(api, client_id: str) -> None:  # type: ignore[no-untyped-def]
    async with api.service.runtime.transaction() as session:
        await session.execute(
            update(ApiClient).where(ApiClient.client_id == client_id).values(active=False)
        )


async def test_a_found_key_is_kept_until_it_expires(api):
    clock = Clock()
    cache = ApiClientCache(api.service.runtime.transaction, ttl_s=30, clock=clock)
    key = f"key-{uuid.uuid4()}"
    client_id = await _add_client(api, key, scopes=["caller_contact"])

    found = await cache.by_key(key)
    assert found is not None
    assert found.principal.subject == f"client:{client_id}"
    assert found.principal.area_codes == ("331199001",)
    assert await cache.scopes(found.principal) == {"caller_contact"}

    await _deactivate(api, client_id)
    clock.now += 29
    assert await cache.by_key(key) == found  # served from the cache: no read saw the change
    clock.now += 1
    assert await cache.by_key(key) is None
    assert await cache.scopes(found.principal) == {"caller_contact"}  # read again, not kept


async def test_an_unknown_key_is_not_kept(api):
    cache = ApiClientCache(api.service.runtime.transaction, ttl_s=30, clock=Clock())
    key = f"key-{uuid.uuid4()}"

    assert await cache.by_key(key) is None
    await _add_client(api, key, scopes=[])

    found = await cache.by_key(key)
    assert found is not None
    assert await cache.scopes(found.principal) == frozenset()


async def test_a_zero_ttl_keeps_nothing(api):
    cache = ApiClientCache(api.service.runtime.transaction, ttl_s=0, clock=Clock())
    key = f"key-{uuid.uuid4()}"
    client_id = await _add_client(api, key, scopes=[])
    assert await cache.by_key(key) is not None

    await _deactivate(api, client_id)

    assert await cache.by_key(key) is None
