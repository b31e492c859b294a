"""The quiet uvicorn server: one tick a second when idle, and a stop signal acted on at once."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import uvicorn
from fastapi import FastAPI

from pingan_common.serving import QuietServer

pytestmark = pytest.mark.unit


def _server() -> QuietServer:
    return QuietServer(uvicorn.Config(FastAPI(), log_config=None))


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


STOP_SCRIPT = """
import asyncio, signal, time, uvicorn
from fastapi import FastAPI
from pingan_common.serving import QuietServer

async def main():
    server = QuietServer(uvicorn.Config(FastAPI(), log_config=None))
    async def on_tick(counter):
        return server.should_exit
    server.on_tick = on_tick
    asyncio.get_running_loop().call_later(0.2, server.handle_exit, signal.SIGTERM, None)
    started = time.monotonic()
    await server.main_loop()
    print(round(time.monotonic() - started, 3))

asyncio.run(main())
"""


def test_a_stop_signal_ends_the_wait_at_once() -> None:
    # In a process of its own: run in the suite's process, this left the notify stream tests
    # that follow timing out (seen in CI on December 3; why is not yet known).
    run = subprocess.run(
        [sys.executable, "-c", STOP_SCRIPT], capture_output=True, text=True, check=True
    )

    assert float(run.stdout.strip()) < 0.6
