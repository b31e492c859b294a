"""Dispatch's composition: the org directory from reference data and the service definition."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.dialects.postgresql import insert

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events import TaskAssigned, TaskCreated
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_dispatch.handlers import HANDLERS
from pingan_dispatch.models import Base, Unit, messaging
from pingan_dispatch.routes import router
from pingan_dispatch.settings import DispatchSettings


async def on_start(runtime: Runtime) -> None:
    if runtime.settings.load_demo_data:
        await load_directory(runtime)


async def load_directory(runtime: Runtime) -> None:
    """Idempotent upsert of the county's units from the versioned reference data."""
    table = Unit.__table__
    rows = [
        {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "area_code": unit.area_code,
            "parent_code": unit.parent_code,
            "category_groups": list(unit.category_groups),
            "phone": unit.phone,
            "webhook_url": unit.webhook_url,
        }
        for unit in load_county().units
    ]
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={column: statement.excluded[column] for column in rows[0] if column != "code"},
    )
    async with runtime.transaction() as session:
        await session.execute(statement, rows)


DEFINITION = ServiceDefinition(
    name="dispatch",
    title="Pingan dispatch (派单)",
    description=(
        "Turns tickets into tasks, routes them to the responsible unit with an explanation, "
        "and runs their deadlines."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_dispatch:migrations",
    routers=[router],
    handlers=HANDLERS,
    publishes=[TaskCreated, TaskAssigned],
    on_start=on_start,
)


def create_app(settings: DispatchSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    return create_service_app(DEFINITION, settings or DispatchSettings(), clock=clock)
