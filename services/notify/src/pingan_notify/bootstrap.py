"""Notify's composition root.

Besides what every service has (engine, outbox relay, consumers), notify holds a ``NotifyState``
(templates, policies, the live stream's hub, the subscription cache), built once the runtime
exists and handed to its handlers, routes and workers. Its background workers are the stream's
cross-replica fan-out and the delivery worker, which owns the HTTP client for the SMS provider,
intake and webhook receivers.
"""

from __future__ import annotations

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.notify import EVENTS as NOTIFY_EVENTS
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_notify.deliveries import routes as deliveries_routes
from pingan_notify.deliveries.worker import DeliveryWorker
from pingan_notify.handlers import HANDLERS
from pingan_notify.inbox import routes as inbox_routes
from pingan_notify.models import Base, messaging
from pingan_notify.settings import NotifySettings
from pingan_notify.sms import routes as sms_routes
from pingan_notify.state import NotifyState, notify_state
from pingan_notify.stream import routes as stream_routes
from pingan_notify.stream.fanout import PgFanout
from pingan_notify.templates import routes as templates_routes
from pingan_notify.webhooks import routes as webhooks_routes
from pingan_notify.webhooks.subscriptions import seed_police_feedback_subscription


async def on_start(runtime: Runtime) -> None:
    await seed_police_feedback_subscription(runtime, notify_state(runtime).settings)


def stream_fanout(runtime: Runtime) -> PgFanout | None:
    state = notify_state(runtime)
    return PgFanout.for_runtime(state.hub, runtime) if state.settings.stream_cross_replica else None


def delivery_worker(runtime: Runtime) -> DeliveryWorker | None:
    state = notify_state(runtime)
    return DeliveryWorker(state, runtime) if state.settings.worker_enabled else None


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
    routers=[
        deliveries_routes.router,
        inbox_routes.router,
        stream_routes.router,
        webhooks_routes.router,
        templates_routes.router,
        sms_routes.router,
    ],
    handlers=HANDLERS,
    publishes=NOTIFY_EVENTS,
    state=NotifyState.build,
    on_start=on_start,
    # the fan-out first, so the worker's first in-app items already reach other replicas
    workers=[stream_fanout, delivery_worker],
)


def create_app(settings: NotifySettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    return create_service_app(DEFINITION, settings or NotifySettings(), clock=clock)
