"""``python -m pingan_<service> [serve|migrate]`` for every service."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from pingan_common.db import create_engine
from pingan_common.migrations import upgrade_to_head
from pingan_common.service import ServiceDefinition
from pingan_common.settings import ServiceSettings


def run_service_cli(
    definition: ServiceDefinition,
    make_settings: Callable[[], ServiceSettings],
    make_app: Callable[[ServiceSettings], FastAPI],
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m pingan_{definition.name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    command = parser.parse_args().command
    settings = make_settings()
    if command == "migrate":
        asyncio.run(_migrate(definition, settings))
        return
    uvicorn.run(
        make_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=15,
    )


async def _migrate(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        await upgrade_to_head(engine, definition.migrations)
    finally:
        await engine.dispose()
