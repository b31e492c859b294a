"""Notify's composition root.

Besides what every service has (engine, outbox relay, consumers), notify runs a delivery worker,
an HTTP client for the SMS provider, intake and webhooks, and the live stream's hub with its
cross-replica listener. They live in a ``NotifyState`` made per app, so handlers and routes
reach them without globals; the worker and the listener are the service's background workers.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.notify import EVENTS as NOTIFY_EVENTS
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_notify import inbox
from pingan_notify.handlers import build_handlers
from pingan_notify.inbox_routes import router as inbox_router
from pingan_notify.models import Base, messaging
from pingan_notify.routes import router as deliveries_router
from pingan_notify.settings import NotifySettings
from pingan_notify.sms_routes import router as sms_router
from pingan_notify.sms_sender import build_provider
from pingan_notify.state import NotifyState
from pingan_notify.stream import PgFanout, StreamItem
from pingan_notify.template_routes import router as templates_router
from pingan_notify.webhook_routes import router as webhooks_router
from pingan_notify.webhook_routes import seed_police_feedback_subscription
from pingan_notify.worker import DeliveryWorker

DEFINITION = ServiceDefinition(
    name="notify",
    title="Pingan notify (通知)",
    description=(
        "Tells the responsible units, the people on duty and the citizens what concerns them "
        "— in-app with a live stream, by SMS and by signed webhooks — and records every "
        "delivery."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_notify:migrations",
    routers=[deliveries_router, inbox_router, webhooks_router, templates_router, sms_router],
    handlers=build_handlers(NotifyState.from_settings(NotifySettings())),
    publishes=NOTIFY_EVENTS,
)


def create_app(settings: NotifySettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or NotifySettings()
    state = NotifyState.from_settings(settings)
    definition = replace(
        DEFINITION,
        handlers=build_handlers(state),
        on_start=partial(_start_clients, state),
        on_stop=partial(_close_clients, state),
        # the fan-out first, so the worker's first in-app items already reach other replicas
        workers=[partial(_fanout, state), partial(_delivery_worker, state)],
    )
    app = create_service_app(definition, settings, clock=clock)
    app.state.notify = state
    return app


async def _start_clients(state: NotifyState, runtime: Runtime) -> None:
    state.runtime = runtime
    state.http = httpx.AsyncClient(timeout=state.settings.sms_timeout_s)
    state.sms = build_provider(state.settings, state.http)
    await seed_police_feedback_subscription(runtime, state.settings)


async def _close_clients(state: NotifyState) -> None:
    if state.http is not None:
        await state.http.aclose()


def _fanout(state: NotifyState, runtime: Runtime) -> PgFanout | None:
    settings = state.settings
    if not settings.stream_cross_replica:
        return None
    dsn = _asyncpg_dsn(settings.database_url)
    return PgFanout(state.hub, dsn, _loader(runtime), _notifier(runtime))


def _delivery_worker(state: NotifyState, runtime: Runtime) -> DeliveryWorker | None:
    return DeliveryWorker(state, runtime) if state.settings.worker_enabled else None


def _asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _loader(runtime: Runtime):  # type: ignore[no-untyped-def]
    async def load(ids: list[int]) -> list[StreamItem]:
        async with runtime.transaction() as session:
            return await inbox.items_by_id(session, ids)

    return load


def _notifier(runtime: Runtime):  # type: ignore[no-untyped-def]
    async def notify(channel: str, payload: str) -> None:
        async with runtime.engine.connect() as connection:
            await connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": channel, "payload": payload},
            )
            await connection.commit()

    return notify
