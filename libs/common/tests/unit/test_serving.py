"""The quiet uvicorn server: one tick a second when idle, and a stop signal acted on at once."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
import uvicorn
from fastapi import FastAPI

from pingan_common.serving import QuietServer

pytestmark = pytest.mark.unit


def _server() -> QuietServer:
    return QuietServer(uvicorn.Config(FastAPI()))


async def test_the_loop_ticks_once_a_second_and_keeps_the_counter_in_tenths() -> None:
    server = _server()
    ticks: list[int] = []

    async def on_tick(counter: int) -> bool:
        ticks.append(counter)
        return len(ticks) == 3

    server.on_tick = on_tick  # type: ignore[method-assign]
    started = time.monotonic()
    await server.main_loop()

    # uvicorn refreshes the Date header when counter % 10 == 0: every tick here
    assert ticks == [0, 10, 20]
    assert 1.9 <= time.monotonic() - started < 3.0


async def test_a_stop_signal_ends_the_wait_at_once() -> None:
    server = _server()

    async def on_tick(counter: int) -> bool:
        return server.should_exit

    server.on_tick = on_tick  # type: ignore[method-assign]
    asyncio.get_running_loop().call_later(0.2, server.handle_exit, signal.SIGTERM, None)
    started = time.monotonic()
    await server.main_loop()

    assert time.monotonic() - started < 0.6
