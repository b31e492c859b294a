"""Background loops that run inside a service's lifespan (deadline scanner, delivery sender).

A service lists them in its ``ServiceDefinition.workers`` as factories taking the Runtime; the
app factory starts each after the start hook, before the consumers, and stops each first, before
the consumers and the database close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class BackgroundWorker(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class PeriodicWorker:
    """Calls ``run_once`` every ``interval`` seconds, or at once when nudged; one failing pass
    is logged and the next one runs on schedule, so a transient error never stops the loop."""

    def __init__(
        self, name: str, run_once: Callable[[], Awaitable[Any]], *, interval: float
    ) -> None:
        self.name = name
        self.interval = interval
        self.passes = 0
        self._run_once = run_once
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def nudge(self) -> None:
        """Run the next pass now (e.g. right after a commit that created work)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._run_once()
                self.passes += 1
            except Exception:
                log.exception("%s: pass failed; next pass in %ss", self.name, self.interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
