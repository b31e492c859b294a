"""Alembic, one history per service, run on a connection we hand it (works inside asyncio)."""

from __future__ import annotations

import asyncio

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pingan_common.db import NAMING_CONVENTION
from pingan_common.messaging_tables import MessagingTables

# Two replicas starting together must not both run the same migration.
_MIGRATION_LOCK_ID = 7_240_002


def alembic_config(script_location: str, database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url)
    return config


async def upgrade_to_head(engine: AsyncEngine, script_location: str) -> None:
    config = alembic_config(script_location)
    async with engine.begin() as connection:
        await connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_ID})"))
        await connection.run_sync(_upgrade, config)


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def run_env(target_metadata: MetaData) -> None:
    """Body of each service's migrations/env.py."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection, target_metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to alembic")
    asyncio.run(_run_online(url, target_metadata))


def _run_on(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str, target_metadata: MetaData) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run_on, target_metadata)
    await engine.dispose()


def create_messaging_tables() -> None:
    """Create the outbox and inbox tables; called from each service's first migration."""
    from alembic import op

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    tables = MessagingTables.define(metadata)
    bind = op.get_bind()
    for table in (tables.outbox, tables.inbox):
        table.create(bind)


def drop_messaging_tables() -> None:
    from alembic import op

    op.drop_table("inbox")
    op.drop_table("outbox")


def create_idempotency_table() -> None:
    """Create the ``Idempotency-Key`` claims table (``pingan_common.idempotency``)."""
    from alembic import op

    from pingan_common.idempotency import idempotency_table

    table = idempotency_table(MetaData(naming_convention=NAMING_CONVENTION))
    table.create(op.get_bind())


def drop_idempotency_table() -> None:
    from alembic import op

    from pingan_common.idempotency import TABLE_NAME

    op.drop_table(TABLE_NAME)
