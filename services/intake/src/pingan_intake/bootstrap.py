"""Intake's composition: reference data, API-key lookup and the service definition."""

from __future__ import annotations

import asyncio
import hashlib
import json
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from pingan_common.app import create_service_app
from pingan_common.auth import ApiKeyResolver, Principal
from pingan_common.db import Clock, system_clock
from pingan_common.events.intake import EVENTS as INTAKE_EVENTS
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_intake.classification.classifier import warm_up
from pingan_intake.duplicates import routes as merge_routes
from pingan_intake.inputs.body_limit import BodySizeLimit
from pingan_intake.models import ApiClient, Base, messaging
from pingan_intake.open311 import routes as open311_routes
from pingan_intake.settings import IntakeSettings
from pingan_intake.state import IntakeState
from pingan_intake.tickets.routes import router
from pingan_intake.timeline.tasks import HANDLERS


async def on_start(runtime: Runtime) -> None:
    # Train the classifier now, off the event loop, rather than on the first request.
    await asyncio.to_thread(warm_up)
    if runtime.settings.load_demo_data:
        await _load_api_clients(runtime)


def _api_client_rows() -> list[dict[str, Any]]:
    """The county's third-party systems (refdata) and the platform's own service clients."""
    rows = [
        {
            "client_id": client.client_id,
            "name": client.name,
            "key_sha256": client.key_sha256,
            "channels": list(client.channels),
            "area_codes": list(client.area_codes),
            "scopes": [],
        }
        for client in load_county().api_clients
    ]
    text = files("pingan_intake").joinpath("data", "service_clients.json").read_text("utf-8")
    for client in json.loads(text)["service_clients"]:
        rows.append({key: client[key] for key in rows[0]})
    return rows


async def _load_api_clients(runtime: Runtime) -> None:
    """Idempotent: re-running updates the demo clients in place."""
    table = ApiClient.__table__
    async with runtime.transaction() as session:
        for values in _api_client_rows():
            values = {**values, "active": True}
            await session.execute(
                insert(table)
                .values(**values)
                .on_conflict_do_update(index_elements=["client_id"], set_=values)
            )


def api_key_resolver(runtime: Runtime) -> ApiKeyResolver:
    async def resolve(key: str) -> Principal | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        async with runtime.transaction() as session:
            client = await session.scalar(
                select(ApiClient).where(ApiClient.key_sha256 == digest, ApiClient.active)
            )
        if client is None:
            return None
        return Principal(
            subject=f"client:{client.client_id}",
            name=client.name,
            kind="api_client",
            channels=frozenset(client.channels),
            area_codes=tuple(client.area_codes),
        )

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
    routers=[router, merge_routes.router, open311_routes.router],
    handlers=HANDLERS,
    publishes=list(INTAKE_EVENTS),
    state=IntakeState.build,
    on_start=on_start,
    api_key_resolver=api_key_resolver,
)


def create_app(settings: IntakeSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or IntakeSettings()
    app = create_service_app(DEFINITION, settings, clock=clock)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
