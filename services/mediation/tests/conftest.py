"""Fixtures for both of mediation's test tiers (``unit/`` and ``service/``); none of them
does I/O. The running service for the service tier is in ``service/conftest.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pingan_common.events import TicketRegistered
from pingan_common.testing.events import ticket_registered


@pytest.fixture
def make_ticket() -> Callable[..., TicketRegistered]:
    return ticket_registered
