"""Dispatch's composition: the directory and routing rules at start-up (``directory_demo``),
the demo task history when configured, the deadline scanner as a background worker, the routers, the
event handlers and the service definition."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.dispatch import EVENTS as DISPATCH_EVENTS
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_dispatch.demo.directory import setup_directory_and_routing
from pingan_dispatch.demo.seed import seed_demo_history
from pingan_dispatch.directory import routes as directory_routes
from pingan_dispatch.handlers import HANDLERS
from pingan_dispatch.kpis import routes as kpi_routes
from pingan_dispatch.models import Base, messaging
from pingan_dispatch.routing import routes as routing_routes
from pingan_dispatch.settings import DispatchSettings
from pingan_dispatch.sla import routes as sla_routes
from pingan_dispatch.sla.scanner import scanner_worker
from pingan_dispatch.tasks import queues
from pingan_dispatch.tasks import routes as task_routes


async def on_start(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, DispatchSettings)
    # Routing rules always; the demo county's units, staff and rosters when configured.
    await setup_directory_and_routing(runtime)
    if settings.seed_demo_history:
        await seed_demo_history(runtime)


DEFINITION = ServiceDefinition(
    name="dispatch",
    title="Pingan dispatch (派单)",
    description=(
        "Turns tickets into tasks, routes them to the responsible unit with an explanation, "
        "runs their lifecycle and SLA clock (催办 → 督办), and computes the county's measures."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_dispatch:migrations",
    routers=[
        task_routes.router,
        queues.router,
        kpi_routes.router,
        sla_routes.router,
        directory_routes.router,
        routing_routes.router,
    ],
    handlers=HANDLERS,
    publishes=list(DISPATCH_EVENTS),
    on_start=on_start,
    workers=[scanner_worker],
)


class ClockOffsetRefused(RuntimeError):
    """A development clock offset in a production configuration."""


def offset_clock(clock: Clock, offset: timedelta) -> Clock:
    def shifted() -> datetime:
        return clock() + offset

    return shifted


def service_clock(settings: DispatchSettings, clock: Clock) -> Clock:
    """The clock the service runs on: the given one, shifted by the dev offset if any."""
    if not settings.dev_clock_offset:
        return clock
    if settings.environment == "production":
        raise ClockOffsetRefused(
            "PINGAN_DISPATCH_DEV_CLOCK_OFFSET is for development only; unset it in production"
        )
    return offset_clock(clock, settings.dev_clock_offset)


def create_app(settings: DispatchSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or DispatchSettings()
    return create_service_app(DEFINITION, settings, clock=service_clock(settings, clock))
