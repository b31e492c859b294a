"""Intake's composition: the service definition (tables, routes, handlers, state), start-up, and
the API-key lookup."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.auth import ApiKeyResolver, Principal
from pingan_common.db import Clock, system_clock
from pingan_common.events.intake import EVENTS as INTAKE_EVENTS
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_intake.amendments import routes as amendment_routes
from pingan_intake.classification import routes as classification_routes
from pingan_intake.classification.classifier import warm_up
from pingan_intake.demo.api_clients import load_api_clients
from pingan_intake.duplicates import routes as duplicate_routes
from pingan_intake.handlers import HANDLERS
from pingan_intake.knowledge import routes as knowledge_routes
from pingan_intake.models import Base, messaging
from pingan_intake.open311 import routes as open311_routes
from pingan_intake.registration import routes as registration_routes
from pingan_intake.settings import IntakeSettings
from pingan_intake.state import IntakeState, intake_state
from pingan_intake.tickets import routes as ticket_routes


async def on_start(runtime: Runtime) -> None:
    # Train the classifier now, off the event loop, rather than on the first request.
    await asyncio.to_thread(warm_up)
    if runtime.settings.load_demo_data:
        await load_api_clients(runtime)


def api_key_resolver(runtime: Runtime) -> ApiKeyResolver:
    async def resolve(key: str) -> Principal | None:
        record = await intake_state(runtime).api_clients.by_key(key)
        return record.principal if record is not None else None

    return resolve


DEFINITION = ServiceDefinition(
    name="intake",
    title="Pingan intake (受理)",
    description=(
        "Registers tickets from every channel (12345, 110 transfers, grid reports, web, "
        "third parties, Open311 GeoReport v2), classifies and locates them, links police "
        "matters with 110, and keeps each ticket's status and timeline."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_intake:migrations",
    routers=[
        registration_routes.router,
        ticket_routes.router,
        classification_routes.router,
        duplicate_routes.router,
        amendment_routes.router,
        knowledge_routes.router,
        open311_routes.router,
    ],
    handlers=HANDLERS,
    publishes=list(INTAKE_EVENTS),
    state=IntakeState.build,
    on_start=on_start,
    api_key_resolver=api_key_resolver,
)


def create_app(settings: IntakeSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or IntakeSettings()
    return create_service_app(DEFINITION, settings, clock=clock)
