"""A PostgreSQL server somebody else runs (e.g. ``PINGAN_TEST_DATABASE_URL`` in CI)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from pingan_common.infra.postgres.admin import DatabaseAdmin


class ExternalPostgres(DatabaseAdmin):
    """A PostgreSQL server somebody else runs, given by a URL to any database on it.

    ``start``/``stop`` do nothing; ``url(db)`` swaps the database and driver of that URL.
    """

    def __init__(self, url: str) -> None:
        self._parts = urlsplit(url)
        self.host = self._parts.hostname or "127.0.0.1"
        self.port = self._parts.port or 5432
        self.pid = None

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return urlunsplit(self._parts._replace(scheme=driver, path="/" + database))

    def start(self, timeout: float = 30) -> ExternalPostgres:
        return self

    def stop(self, timeout: float = 15) -> None:
        pass
