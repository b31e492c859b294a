"""Routes every service serves for operators: health, readiness, metrics, outbox replay."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import func, select, text

from pingan_common.auth import Role, require
from pingan_common.outbox import unsent_backlog
from pingan_common.problems import ProblemError, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str
    database: bool
    broker: bool
    consumers: bool


class RepublishRequest(BaseModel):
    since: AwareDatetime = Field(
        description="Rows created at or after this instant are published again",
        examples=["2026-11-23T08:00:00+08:00"],
    )


class RepublishResult(BaseModel):
    rows: int


class OutboxStatus(BaseModel):
    unsent: int
    oldest_unsent_at: datetime | None
    total_retained: int


def operations_router() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/healthz", healthz, methods=["GET"], tags=["operations"])
    router.add_api_route(
        "/readyz",
        readyz,
        methods=["GET"],
        tags=["operations"],
        responses=problem_responses(503),
    )
    router.add_api_route("/metrics", metrics, methods=["GET"], tags=["operations"])
    admin = [Depends(require(Role.ADMIN))]
    router.add_api_route(
        "/v1/admin/outbox",
        outbox_status,
        methods=["GET"],
        tags=["operations"],
        dependencies=admin,
        responses=problem_responses(401, 403),
    )
    router.add_api_route(
        "/v1/admin/outbox/republish",
        republish,
        methods=["POST"],
        tags=["operations"],
        dependencies=admin,
        responses=problem_responses(401, 403, 422),
    )
    return router


async def healthz() -> Health:
    """Alive: the process answers."""
    return Health(status="ok")


async def readyz(runtime: RuntimeDep) -> Readiness:
    """Ready: the database and the broker answer, and the consumers run."""
    database, broker = await asyncio.gather(_database_ok(runtime), _broker_ok(runtime))
    consumers = all(runner.running for runner in runtime.consumers)
    readiness = Readiness(
        status="ready" if database and broker and consumers else "not ready",
        database=database,
        broker=broker,
        consumers=consumers,
    )
    if readiness.status != "ready":
        raise ProblemError(503, "Not ready", readiness.model_dump_json())
    return readiness


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2), runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _broker_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2):
            return await runtime.producer.is_connected()
    except Exception:
        return False


async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def outbox_status(runtime: RuntimeDep) -> OutboxStatus:
    """How many events wait to be published, and since when."""
    table = runtime.tables.outbox
    async with runtime.transaction() as session:
        unsent, oldest = await unsent_backlog(session, table)
        total = await session.scalar(select(func.count()).select_from(table))
    return OutboxStatus(unsent=unsent, oldest_unsent_at=oldest, total_retained=total or 0)


async def republish(body: RepublishRequest, runtime: RuntimeDep) -> RepublishResult:
    """Publish retained events again, e.g. after the broker lost its data; consumers dedup."""
    if runtime.relay is None:
        raise ProblemError(409, "Relay disabled", "this instance runs no outbox relay")
    return RepublishResult(rows=await runtime.relay.republish_since(body.since))
