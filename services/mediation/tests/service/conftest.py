"""Mediation service tests, on the real PostgreSQL.

``mediation``: one real mediation app per test module, also on the real broker.

The harness produces events to mediation's namespaced input topic with aiokafka, tails the
topics mediation writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.

``handlers``: the handler tier (``pingan_common.testing.handlers``), mediation's handlers called
directly on its migrated database, without the broker, in a transaction rolled back after each
test; its clock stands still at ``handlers.context.clock()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

import pingan_mediation.bootstrap as mediation_bootstrap
from pingan_common.events.topics import INTAKE_TICKETS, MEDIATION_CASES, dead_letter_topic
from pingan_common.testing.handlers import HandlerTier, HandlerWorld
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_mediation.settings import MediationSettings

# 17:30 UTC is 01:30 the next day in the county: dates in numbers must be the county's.
HANDLER_NOW = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


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


@pytest.fixture
async def handlers(handler_tier: HandlerTier) -> AsyncIterator[HandlerWorld]:
    """Mediation's handlers on its migrated database; everything rolled back after the test."""
    async with handler_tier(mediation_bootstrap.DEFINITION, clock=lambda: HANDLER_NOW) as world:
        yield world
