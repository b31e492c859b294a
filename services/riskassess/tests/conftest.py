"""Fixtures for both of riskassess's test tiers (``unit/`` and ``service/``); none of them
does I/O. The running service for the service tier is in ``service/conftest.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from pingan_common.events import CallerSummary, TicketRegistered
from pingan_common.testing.events import ticket_registered


@pytest.fixture
def make_ticket() -> Callable[..., TicketRegistered]:
    return ticket_registered


def a_call(
    description: str,
    *,
    phone_hash: str | None = None,
    at: datetime | None = None,
    repeat_count: int = 1,
    **classification: Any,
) -> TicketRegistered:
    """A registered ticket from one caller (intake's keyed hash of the normalised number) at
    an instant: what the signal rules read of a call."""
    event = ticket_registered(description, **classification)
    changes: dict[str, Any] = {
        "caller": CallerSummary(
            name_masked="王*", phone_masked="138****8000", phone_hash=phone_hash
        ),
        "repeat_count": repeat_count,
    }
    if at is not None:
        changes |= {"registered_at": at, "reported_at": at}
    return event.model_copy(update={"data": event.data.model_copy(update=changes)})


@pytest.fixture
def make_call() -> Callable[..., TicketRegistered]:
    return a_call
