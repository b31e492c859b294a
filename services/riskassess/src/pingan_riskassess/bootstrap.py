"""Riskassess's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.riskassess import EVENTS as RISKASSESS_EVENTS
from pingan_common.service import ServiceDefinition
from pingan_riskassess.alerts import routes as alert_routes
from pingan_riskassess.alerts.scanner import scanner_worker
from pingan_riskassess.analysis import meeting_routes, report_routes
from pingan_riskassess.analysis import routes as analysis_routes
from pingan_riskassess.assessments import mitigation_routes, pool_routes
from pingan_riskassess.assessments import routes as assessment_routes
from pingan_riskassess.assessments.mitigations import mitigation_scanner
from pingan_riskassess.handlers import HANDLERS
from pingan_riskassess.keypersons import routes as key_person_routes
from pingan_riskassess.models import Base, messaging
from pingan_riskassess.settings import RiskassessSettings

DEFINITION = ServiceDefinition(
    name="riskassess",
    title="Pingan riskassess (研判)",
    description=(
        "Reads the event stream for risk signals (repeat callers, group precursors, threats, "
        "民转刑 signs, sensitive tasks overdue, spikes) and raises graded warnings (red, "
        "orange, yellow, blue) that must be acknowledged, verified and handled."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_riskassess:migrations",
    routers=[
        alert_routes.router,
        key_person_routes.router,
        assessment_routes.router,
        pool_routes.router,
        mitigation_routes.router,
        analysis_routes.router,
        report_routes.router,
        meeting_routes.router,
    ],
    handlers=HANDLERS,
    publishes=list(RISKASSESS_EVENTS),
    workers=[scanner_worker, mitigation_scanner],
)


def create_app(
    settings: RiskassessSettings | None = None, *, clock: Clock = system_clock
) -> FastAPI:
    return create_service_app(DEFINITION, settings or RiskassessSettings(), clock=clock)
