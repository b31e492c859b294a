"""``python -m pingan_<service> [serve|migrate]`` for every service.

``serve`` runs one process, or ``settings.workers`` processes on the port when a service's
settings define ``workers`` above 1 (uvicorn's supervisor; the app factory must build its
settings from the environment when called without arguments).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from pingan_common.db import create_engine
from pingan_common.migrations import upgrade_to_head
from pingan_common.service import ServiceDefinition
from pingan_common.serving import serve
from pingan_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def run_service_cli(
    definition: ServiceDefinition,
    make_settings: Callable[[], S],
    make_app: Callable[[S], FastAPI],
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m pingan_{definition.name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    command = parser.parse_args().command
    settings = make_settings()
    if command == "migrate":
        asyncio.run(_migrate(definition, settings))
        return
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 15,
    }
    workers = int(getattr(settings, "workers", 1) or 1)
    if workers <= 1:
        serve(make_app(settings), **options)
        return
    # Several processes on one port, each with its own event loop, pool, relay and consumer:
    # the outbox relay is single-active (advisory lock), consumers share the service's group,
    # migrations take a lock. Each worker builds its app from the environment, as the factory
    # is called without arguments in a fresh interpreter.
    uvicorn.run(_import_string(make_app), factory=True, workers=workers, **options)


def _import_string(make_app: Callable[..., FastAPI]) -> str:
    return f"{make_app.__module__}:{make_app.__qualname__}"


async def _migrate(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        await upgrade_to_head(engine, definition.migrations)
    finally:
        await engine.dispose()
