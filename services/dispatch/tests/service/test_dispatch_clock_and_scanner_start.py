"""The service's clock (with the development offset) and the scanner started in the lifespan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch import bootstrap
from pingan_dispatch.bootstrap import ClockOffsetRefused, service_clock
from pingan_dispatch.settings import DispatchSettings
from pingan_dispatch.sla.scanner import SCANNER_WORKER

FIXED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_a_development_clock_offset_shifts_the_service_clock():
    settings = DispatchSettings(dev_clock_offset=timedelta(days=3))

    clock = service_clock(settings, lambda: FIXED)

    assert clock() == FIXED + timedelta(days=3)


def test_no_offset_leaves_the_clock_alone():
    def clock() -> datetime:
        return FIXED

    assert service_clock(DispatchSettings(), clock) is clock


def test_a_clock_offset_is_refused_in_production():
    settings = DispatchSettings(environment="production", dev_clock_offset=timedelta(hours=1))

    with pytest.raises(ClockOffsetRefused):
        bootstrap.create_app(settings)


def test_the_offset_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("PINGAN_DISPATCH_DEV_CLOCK_OFFSET", "P2D")

    assert DispatchSettings().dev_clock_offset == timedelta(days=2)


async def test_the_service_runs_scanner_passes_in_the_background(postgres, kafka, test_auth):
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(
        DispatchSettings, "dispatch", scanner_interval_seconds=0.05, consumers_enabled=False
    )

    async with running_service(bootstrap, settings) as service:
        scanner = service.runtime.workers[SCANNER_WORKER]
        assert scanner.running
        await eventually(lambda: _passes_at_least(scanner, 3))

    assert not scanner.running


async def _passes_at_least(scanner, count: int) -> bool:  # type: ignore[no-untyped-def]
    return scanner.passes >= count
