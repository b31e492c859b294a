"""Mediation's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.mediation import EVENTS as MEDIATION_EVENTS
from pingan_common.service import ServiceDefinition
from pingan_mediation.handlers import HANDLERS
from pingan_mediation.models import Base, messaging
from pingan_mediation.routes import router
from pingan_mediation.settings import MediationSettings

DEFINITION = ServiceDefinition(
    name="mediation",
    title="Pingan mediation (调解)",
    description="Opens and runs dispute-mediation cases at the lowest capable committee.",
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_mediation:migrations",
    routers=[router],
    handlers=HANDLERS,
    publishes=list(MEDIATION_EVENTS),
)


def create_app(
    settings: MediationSettings | None = None, *, clock: Clock = system_clock
) -> FastAPI:
    return create_service_app(DEFINITION, settings or MediationSettings(), clock=clock)
