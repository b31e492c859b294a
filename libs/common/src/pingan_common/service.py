"""The description of one service that the app factory turns into a running FastAPI app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from sqlalchemy import MetaData

from pingan_common.auth import ApiKeyResolver
from pingan_common.bus.consumer import HandlerRegistry
from pingan_common.events.envelope import EventEnvelope
from pingan_common.messaging_tables import MessagingTables
from pingan_common.runtime import Runtime
from pingan_common.workers import BackgroundWorker

StartHook = Callable[[Runtime], Awaitable[None]]
# Builds the service's typed state (clients, caches, rules from settings) once the runtime exists.
StateFactory = Callable[[Runtime], Any]
StopHook = Callable[[], Awaitable[None]]
# Builds a background loop from the running service; None when settings switch it off.
WorkerFactory = Callable[[Runtime], BackgroundWorker | None]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    description: str
    metadata: MetaData
    tables: MessagingTables
    migrations: str = field(
        metadata={"doc": "alembic script location, e.g. pingan_intake:migrations"}
    )
    routers: Sequence[APIRouter] = ()
    handlers: HandlerRegistry = field(default_factory=dict)
    publishes: Sequence[type[EventEnvelope]] = ()
    state: StateFactory | None = field(
        default=None,
        metadata={"doc": "builds runtime.state (and HandlerContext.state) before on_start"},
    )
    on_start: StartHook | None = None
    on_stop: StopHook | None = field(
        default=None, metadata={"doc": "after the workers and consumers stopped, before the DB"}
    )
    workers: Sequence[WorkerFactory] = ()
    api_key_resolver: Callable[[Runtime], ApiKeyResolver] | None = None
    version: str = "0.1.0"
