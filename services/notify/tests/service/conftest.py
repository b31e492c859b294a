"""Notify service tests: a real notify app per test module, on the real DB and broker.

The harness produces events to notify's namespaced input topics with aiokafka, tails the
topics notify writes (its own stream and its dead-letter topic), and reads its tables through
the running service's engine. SMS go to the real gateway simulator over HTTP (``gateway.py``);
citizens' numbers come from a real HTTP stand-in for intake's caller-contact endpoint
(``harness.Contacts``); webhooks go to a real local receiver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import pytest

from pingan_common.testing.harness import ServiceHarness
from pingan_common.testing.servers import Receiver, serve_in_thread
from pingan_common.testing.services import TestStack
from services.notify.tests.service.gateway import SimulatorGateway, running_sms_gateway
from services.notify.tests.service.harness import Clock, Contacts, notify_service


@pytest.fixture(scope="session")
def sms_gateway_server() -> Iterator[SimulatorGateway]:
    with running_sms_gateway() as gateway:
        yield gateway


@pytest.fixture
def sms_gateway(sms_gateway_server: SimulatorGateway) -> SimulatorGateway:
    """The session's simulator, emptied and back to default controls for this test."""
    sms_gateway_server.reset()
    return sms_gateway_server


S = TypeVar("S", Contacts, Receiver)


def _served(stand_in: S) -> Iterator[S]:
    with serve_in_thread(stand_in.app()) as url:
        stand_in.url = url
        yield stand_in


@pytest.fixture(scope="session")
def contacts() -> Iterator[Contacts]:
    yield from _served(Contacts())


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    yield from _served(Receiver())


@pytest.fixture(scope="module")
async def notify(
    module_stack: TestStack, sms_gateway_server: SimulatorGateway, contacts: Contacts
) -> AsyncIterator[ServiceHarness]:
    async with notify_service(
        module_stack,
        sms_gateway_server,
        contacts,
        alert_repeat_interval_s=0.3,
        alert_repeat_max=2,
    ) as harness:
        yield harness


@pytest.fixture
def clock() -> Clock:
    return Clock()
