"""Intake's composition: reference data, API-key lookup and the service definition."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from pingan_common.app import create_service_app
from pingan_common.auth import ApiKeyResolver, Principal
from pingan_common.db import Clock, system_clock
from pingan_common.events import TicketRegistered
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_intake.handlers import HANDLERS
from pingan_intake.models import ApiClient, Base, messaging
from pingan_intake.places import PlaceResolver
from pingan_intake.routes import router
from pingan_intake.settings import IntakeSettings


async def on_start(runtime: Runtime) -> None:
    county = load_county()
    runtime.state["places"] = PlaceResolver(county)
    if runtime.settings.load_demo_data:
        await _load_api_clients(runtime)


async def _load_api_clients(runtime: Runtime) -> None:
    """Idempotent: re-running updates the demo clients in place."""
    table = ApiClient.__table__
    async with runtime.transaction() as session:
        for client in load_county().api_clients:
            values = {
                "client_id": client.client_id,
                "name": client.name,
                "key_sha256": client.key_sha256,
                "channels": list(client.channels),
                "area_codes": list(client.area_codes),
                "active": True,
            }
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
        "third parties), classifies and locates them, and keeps each ticket's timeline."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_intake:migrations",
    routers=[router],
    handlers=HANDLERS,
    publishes=[TicketRegistered],
    on_start=on_start,
    api_key_resolver=api_key_resolver,
)


def create_app(settings: IntakeSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    return create_service_app(DEFINITION, settings or IntakeSettings(), clock=clock)
