"""Mediation service tests: one real mediation app per test module, on the real DB and broker.

The harness produces events to mediation's namespaced input topic with aiokafka, tails the
topics mediation writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import pingan_mediation.bootstrap as mediation_bootstrap
from pingan_common.events.topics import INTAKE_TICKETS, MEDIATION_CASES, dead_letter_topic
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_mediation.settings import MediationSettings


@pytest.fixture(scope="module")
async def mediation(postgres: Any, kafka: Any, test_auth: Any) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(MediationSettings, "mediation")
    async with service_harness(
        stack,
        mediation_bootstrap,
        settings,
        published=MEDIATION_CASES,
        dead_letters=dead_letter_topic(INTAKE_TICKETS, "mediation"),
        default_role="mediator",
    ) as harness:
        yield harness
