"""The whole platform in one process: five real apps on the real PostgreSQL and broker.

Besides the apps (reached in-process through ``service.client``), the platform has what the
notify service talks to over real HTTP, as in the local stack: the SMS gateway simulator (in a
thread of its own) and a webhook receiver; intake, mediation, riskassess and notify are also
served by uvicorn on free loopback ports of the test's event loop (``urls``), so notify's worker
can ask intake for a caller's number and mediation for a party's, the simulator can forward
citizens' replies to notify, and a client can hold notify's live stream open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

import pingan_dispatch.bootstrap as dispatch
import pingan_intake.bootstrap as intake
import pingan_mediation.bootstrap as mediation
import pingan_notify.bootstrap as notify
import pingan_riskassess.bootstrap as riskassess
from pingan_common.testing.servers import Receiver, serve_here, serve_in_thread
from pingan_common.testing.services import RunningService, TestStack, running_service
from pingan_common.testing.sms_gateway import SMS_CALLBACK_TOKEN, SmsGateway, running_sms_gateway
from pingan_dispatch.settings import DispatchSettings
from pingan_intake.settings import IntakeSettings
from pingan_mediation.settings import MediationSettings
from pingan_notify.settings import NotifySettings
from pingan_notify.sms_simulator import create_app as sms_simulator
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
    sms: SmsGateway | None = None
    receiver: Receiver | None = None
    urls: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str, **claims: str) -> dict[str, str]:
        return self.stack.auth.headers(role, **claims)


@pytest.fixture(scope="module")
async def platform(module_stack: TestStack) -> AsyncIterator[Platform]:
    """Started once per module: each test works on its own tickets."""
    stack = module_stack
    async with AsyncExitStack() as exits:
        sms = exits.enter_context(running_sms_gateway(sms_simulator()))
        receiver = Receiver()
        receiver.url = exits.enter_context(serve_in_thread(receiver.app()))
        running: dict[str, RunningService] = {}
        urls: dict[str, str] = {}
        for name, bootstrap, settings_class in SERVICES:
            overrides = _notify_overrides(sms, urls) if name == "notify" else {}
            settings = await stack.settings(settings_class, name, **overrides)
            running[name] = await exits.enter_async_context(running_service(bootstrap, settings))
            if name in ("intake", "mediation", "riskassess", "notify"):
                urls[name] = await exits.enter_async_context(serve_here(running[name].app))
        yield Platform(stack=stack, **running, sms=sms, receiver=receiver, urls=urls)


def _notify_overrides(sms: SmsGateway, urls: dict[str, str]) -> dict[str, Any]:
    # No quiet hours: these flows must not depend on the hour the suite runs at (notify's
    # service tests cover quiet hours with a clock of their own).
    no_quiet_hours = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
    return {
        "sms_base_url": sms.base_url,
        "intake_base_url": urls["intake"],
        # parties' numbers for session notices (notify's default key is mediation's default)
        "mediation_base_url": urls["mediation"],
        "riskassess_base_url": urls["riskassess"],
        "worker_poll_interval_ms": 100,
        "worker_idle_poll_interval_ms": 100,
        "sms_callback_token": SMS_CALLBACK_TOKEN,
        "webhook_allow_private_targets": True,  # the receiver listens on loopback
        **no_quiet_hours,
    }
