"""Dispatch service tests: one real dispatch app per test module, on the real DB and broker.

The harness produces events to dispatch's namespaced input topic with aiokafka, tails the
topics dispatch writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import pingan_dispatch.bootstrap as dispatch_bootstrap
from pingan_common.events import (
    TicketRegistered,
)
from pingan_common.events.topics import DISPATCH_TASKS, INTAKE_TICKETS, dead_letter_topic
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_dispatch.settings import DispatchSettings


@pytest.fixture(scope="module")
async def dispatch(postgres: Any, kafka: Any, test_auth: Any) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(DispatchSettings, "dispatch")
    async with service_harness(
        stack,
        dispatch_bootstrap,
        settings,
        published=DISPATCH_TASKS,
        dead_letters=dead_letter_topic(INTAKE_TICKETS, "dispatch"),
        default_role="dispatcher",
    ) as harness:
        yield harness


@pytest.fixture
def make_ticket() -> Callable[..., TicketRegistered]:
    return ticket_registered
