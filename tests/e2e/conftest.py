"""The whole platform in one process: five real apps on the real PostgreSQL and broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import pytest

import pingan_dispatch.bootstrap as dispatch
import pingan_intake.bootstrap as intake
import pingan_mediation.bootstrap as mediation
import pingan_notify.bootstrap as notify
import pingan_riskassess.bootstrap as riskassess
from pingan_common.testing.services import RunningService, TestStack, running_service
from pingan_dispatch.settings import DispatchSettings
from pingan_intake.settings import IntakeSettings
from pingan_mediation.settings import MediationSettings
from pingan_notify.settings import NotifySettings
from pingan_riskassess.settings import RiskassessSettings

SERVICES = (
    ("intake", intake, IntakeSettings),
    ("dispatch", dispatch, DispatchSettings),
    ("mediation", mediation, MediationSettings),
    ("riskassess", riskassess, RiskassessSettings),
    ("notify", notify, NotifySettings),
)


@dataclass
class Platform:
    stack: TestStack
    intake: RunningService
    dispatch: RunningService
    mediation: RunningService
    riskassess: RunningService
    notify: RunningService

    def headers(self, role: str, **claims: str) -> dict[str, str]:
        return self.stack.auth.headers(role, **claims)


@pytest.fixture(scope="module")
async def platform(module_stack: TestStack) -> AsyncIterator[Platform]:
    """Started once per module: each test works on its own tickets."""
    stack = module_stack
    async with AsyncExitStack() as exits:
        running = {}
        for name, bootstrap, settings_class in SERVICES:
            settings = await stack.settings(settings_class, name)
            running[name] = await exits.enter_async_context(running_service(bootstrap, settings))
        yield Platform(stack=stack, **running)
