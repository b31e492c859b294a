"""Notify's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events import DeliverySent
from pingan_common.service import ServiceDefinition
from pingan_notify.handlers import HANDLERS
from pingan_notify.models import Base, messaging
from pingan_notify.routes import router
from pingan_notify.settings import NotifySettings

DEFINITION = ServiceDefinition(
    name="notify",
    title="Pingan notify (通知)",
    description=(
        "Tells the responsible units and the people on duty what needs them, "
        "and records every delivery."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_notify:migrations",
    routers=[router],
    handlers=HANDLERS,
    publishes=[DeliverySent],
)


def create_app(settings: NotifySettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    return create_service_app(DEFINITION, settings or NotifySettings(), clock=clock)
