"""Autogenerate an alembic revision for one service against a throwaway PostgreSQL.

uv run python scripts/make_migration.py intake "add ticket merges"
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command

from pingan_common.db import create_engine
from pingan_common.infra.ports import free_port
from pingan_common.infra.postgres import EmbeddedPostgres
from pingan_common.migrations import alembic_config, upgrade_to_head


def main(service: str, message: str) -> None:
    importlib.import_module(f"pingan_{service}.models")
    script_location = f"pingan_{service}:migrations"
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", port=free_port(), fast=True).start()
        try:
            asyncio.run(server.ensure_database("scratch"))
            url = server.url("scratch")
            asyncio.run(_upgrade(url, script_location))
            config = alembic_config(script_location, url)
            command.revision(config, message=message, autogenerate=True)
        finally:
            server.stop()


async def _upgrade(url: str, script_location: str) -> None:
    engine = create_engine(url, pool_size=1)
    await upgrade_to_head(engine, script_location)
    await engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
