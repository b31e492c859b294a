"""Mediation's composition root: the service definition with its routers, handlers, the
mediators seeded at start-up and the case clock scanner as a background worker."""

from __future__ import annotations

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.mediation import EVENTS as MEDIATION_EVENTS
from pingan_common.service import ServiceDefinition
from pingan_mediation.cases.routes import router as cases_router
from pingan_mediation.cases.scanner import scanner_worker
from pingan_mediation.contacts.routes import router as contacts_router
from pingan_mediation.contacts.service_key import api_key_resolver
from pingan_mediation.documents.routes import router as documents_router
from pingan_mediation.handlers import HANDLERS
from pingan_mediation.measures.routes import router as measures_router
from pingan_mediation.mediators.directory import seed_mediators
from pingan_mediation.mediators.routes import router as mediators_router
from pingan_mediation.models import Base, messaging
from pingan_mediation.screening.rounds import scheduler_worker
from pingan_mediation.screening.routes import router as screening_router
from pingan_mediation.settings import MediationSettings

DEFINITION = ServiceDefinition(
    name="mediation",
    title="Pingan mediation (调解)",
    description="Runs dispute-mediation cases at the lowest capable level, from registration "
    "to the agreement's follow-up.",
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_mediation:migrations",
    routers=[
        cases_router,
        contacts_router,
        documents_router,
        mediators_router,
        measures_router,
        screening_router,
    ],
    handlers=HANDLERS,
    publishes=list(MEDIATION_EVENTS),
    on_start=seed_mediators,
    workers=[scanner_worker, scheduler_worker],
    api_key_resolver=api_key_resolver,
)


def create_app(
    settings: MediationSettings | None = None, *, clock: Clock = system_clock
) -> FastAPI:
    return create_service_app(DEFINITION, settings or MediationSettings(), clock=clock)
