"""What every PostgreSQL server we use offers: CREATE / DROP DATABASE, sync or async."""

from __future__ import annotations

import abc
import asyncio
import concurrent.futures
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even if an event loop is running here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DatabaseAdmin(abc.ABC):
    """CREATE / DROP DATABASE through asyncpg; subclasses provide ``url``."""

    @abc.abstractmethod
    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str: ...

    async def _connect(self):  # -> asyncpg.Connection
        import asyncpg

        return await asyncpg.connect(self.url("postgres", driver="postgresql"), timeout=10)

    async def ensure_database(self, name: str) -> bool:
        """CREATE DATABASE ``name`` if it doesn't exist; True if it was created."""
        import asyncpg

        conn = await self._connect()
        try:
            if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                return False
            try:
                await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                return False  # somebody else created it at the same moment
            return True
        finally:
            await conn.close()

    def ensure_databases(self, names: Iterable[str]) -> list[str]:
        """Sync: CREATE DATABASE for each missing name; returns the names created."""

        async def _all() -> list[str]:
            return [name for name in names if await self.ensure_database(name)]

        return run_sync(_all())

    async def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS … WITH (FORCE) (disconnects its sessions)."""
        conn = await self._connect()
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
        finally:
            await conn.close()
