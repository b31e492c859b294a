"""Notify's composition root.

Besides what every service has (engine, outbox relay, consumers), notify runs a delivery worker,
an HTTP client for the SMS provider, intake and webhooks, and the live stream's hub with its
cross-replica listener. They live in a ``NotifyState`` made per app, so handlers and routes
reach them without globals; they start before the consumers and stop before the engine closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

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
    parts = _Parts(state)
    definition = replace(DEFINITION, handlers=build_handlers(state), on_start=parts.start)
    app = create_service_app(definition, settings, clock=clock)
    app.state.notify = state
    common_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with common_lifespan(app):
            try:
                yield
            finally:
                await parts.stop()

    app.router.lifespan_context = lifespan
    return app


class _Parts:
    """Notify's own moving parts, started by the common lifespan before the consumers."""

    def __init__(self, state: NotifyState) -> None:
        self.state = state
        self.worker: DeliveryWorker | None = None
        self.fanout: PgFanout | None = None

    async def start(self, runtime: Runtime) -> None:
        state, settings = self.state, self.state.settings
        state.runtime = runtime
        state.http = httpx.AsyncClient(timeout=settings.sms_timeout_s)
        state.sms = build_provider(settings, state.http)
        await seed_police_feedback_subscription(runtime, settings)
        if settings.stream_cross_replica:
            self.fanout = PgFanout(
                state.hub, _asyncpg_dsn(settings.database_url), _loader(runtime), _notifier(runtime)
            )
            await self.fanout.start()
        if settings.worker_enabled:
            self.worker = DeliveryWorker(state, runtime)
            self.worker.start()

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        if self.fanout is not None:
            await self.fanout.stop()
        if self.state.http is not None:
            await self.state.http.aclose()


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
