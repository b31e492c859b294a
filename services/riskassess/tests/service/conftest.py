"""Riskassess service tests, on the real PostgreSQL.

``riskassess``: one real riskassess app per test module, also on the real broker.

The harness produces events to riskassess's namespaced input topic with aiokafka, tails the
topics riskassess writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.

``handlers``: the handler tier (``pingan_common.testing.handlers``), riskassess's handlers called
directly on its migrated database, without the broker, in a transaction rolled back after each
test; its clock stands still at ``handlers.context.clock()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

import pingan_riskassess.bootstrap as riskassess_bootstrap
from pingan_common.events.topics import INTAKE_TICKETS, RISKASSESS_ALERTS, dead_letter_topic
from pingan_common.testing.handlers import HandlerTier, HandlerWorld
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_riskassess.settings import RiskassessSettings

# 17:30 UTC is 01:30 the next day in the county: dates in numbers must be the county's.
HANDLER_NOW = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
async def riskassess(postgres: Any, kafka: Any, test_auth: Any) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    # The acknowledgement scanner runs in tests when they call it, at the instant they choose.
    settings = await stack.settings(RiskassessSettings, "riskassess", scanner_enabled=False)
    async with service_harness(
        stack,
        riskassess_bootstrap,
        settings,
        published=RISKASSESS_ALERTS,
        dead_letters=dead_letter_topic(INTAKE_TICKETS, "riskassess"),
        default_role="analyst",
    ) as harness:
        yield harness


@pytest.fixture
async def handlers(handler_tier: HandlerTier) -> AsyncIterator[HandlerWorld]:
    """Riskassess's handlers on its migrated database; everything rolled back after the test."""
    async with handler_tier(riskassess_bootstrap.DEFINITION, clock=lambda: HANDLER_NOW) as world:
        yield world
