"""Riskassess service tests: one real riskassess app per test module, on the real DB and broker.

The harness produces events to riskassess's namespaced input topic with aiokafka, tails the
topics riskassess writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import pingan_riskassess.bootstrap as riskassess_bootstrap
from pingan_common.events.topics import INTAKE_TICKETS, RISKASSESS_ALERTS, dead_letter_topic
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_riskassess.settings import RiskassessSettings


@pytest.fixture(scope="module")
async def riskassess(postgres: Any, kafka: Any, test_auth: Any) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(RiskassessSettings, "riskassess")
    async with service_harness(
        stack,
        riskassess_bootstrap,
        settings,
        published=RISKASSESS_ALERTS,
        dead_letters=dead_letter_topic(INTAKE_TICKETS, "riskassess"),
        default_role="analyst",
    ) as harness:
        yield harness
