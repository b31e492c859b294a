"""Engine, sessions, the clock and the MetaData each service's model base is built on
(a class statement per service, with ``new_metadata()``, so five services share one process)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import MetaData, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Clock = Callable[[], datetime]
SessionFactory = async_sessionmaker[AsyncSession]


def system_clock() -> datetime:
    return datetime.now(UTC)


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


# Hosts where a connection can't silently die behind a proxy or a NAT between two queries.
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", ""})


def create_engine(
    database_url: str,
    *,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pre_ping: bool | None = None,
) -> AsyncEngine:
    """``max_overflow`` defaults to ``pool_size``. ``pre_ping`` (a round trip on every checkout
    to detect a dead connection) defaults to on, except for a database on this machine (loopback
    or a Unix socket), where connections don't die silently and a broken one is replaced on its
    first error anyway."""
    if pre_ping is None:
        pre_ping = not is_local_database(database_url)
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_pre_ping=pre_ping,
        # SQL errors are logged with their statement; the bound values are citizens' phones,
        # names and ID numbers, which never go to a log in clear.
        hide_parameters=True,
    )


def is_local_database(database_url: str) -> bool:
    host = make_url(database_url).host or ""
    return host in _LOOPBACK_HOSTS or host.startswith("/")


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)
