"""Riskassess's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from pingan_common.app import create_service_app
from pingan_common.db import Clock, system_clock
from pingan_common.events.riskassess import AlertAcknowledged, AlertRaised, VerificationRequested
from pingan_common.service import ServiceDefinition
from pingan_riskassess.handlers import HANDLERS
from pingan_riskassess.models import Base, messaging
from pingan_riskassess.routes import router
from pingan_riskassess.settings import RiskassessSettings

DEFINITION = ServiceDefinition(
    name="riskassess",
    title="Pingan riskassess (研判)",
    description=(
        "Reads every ticket for risk signals and raises graded warnings "
        "(red, orange, yellow, blue)."
    ),
    metadata=Base.metadata,
    tables=messaging,
    migrations="pingan_riskassess:migrations",
    routers=[router],
    handlers=HANDLERS,
    # The whole riskassess contract (pingan_common.events.riskassess.EVENTS), which dispatch and
    # notify consume. Only AlertRaised is emitted yet: acknowledging an alert and asking for its
    # verification (AlertAcknowledged, VerificationRequested) come with riskassess's alert
    # lifecycle in a later issue. Declared now so the topics exist and the contract test holds.
    publishes=[AlertRaised, AlertAcknowledged, VerificationRequested],
)


def create_app(
    settings: RiskassessSettings | None = None, *, clock: Clock = system_clock
) -> FastAPI:
    return create_service_app(DEFINITION, settings or RiskassessSettings(), clock=clock)
