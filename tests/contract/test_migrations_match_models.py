"""Each service's migration history builds exactly the schema its models describe."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pingan_common.db import create_engine
from pingan_common.migrations import upgrade_to_head
from pingan_common.testing.infra import fresh_database

SERVICES = ["intake", "dispatch", "mediation", "riskassess", "notify"]


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_build_the_schema_the_models_describe(postgres, service: str):
    models = importlib.import_module(f"pingan_{service}.models")
    engine = create_engine(await fresh_database(postgres, f"migrations_{service}"), pool_size=1)
    try:
        await upgrade_to_head(engine, f"pingan_{service}:migrations")
        await upgrade_to_head(engine, f"pingan_{service}:migrations")  # a second run is a no-op
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync), models.Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == [], f"models and migrations of {service} differ: {differences}"
