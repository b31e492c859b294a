"""A live-stream client for tests (PYTEST_DONT_REWRITE): holds a Server-Sent Events connection
open with a bearer token (and ``Last-Event-ID`` to resume) and collects its events.

    async with SseClient(url, token) as stream:
        event = await stream.next()
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httpx


@dataclass
class SseEvent:
    id: str | None
    event: str | None
    data: str


class SseClient:
    """Holds a live-stream connection open and collects its events in the background."""

    def __init__(self, url: str, token: str, *, last_event_id: str | None = None) -> None:
        self.url = url
        self.token = token
        self.last_event_id = last_event_id
        self.events: asyncio.Queue[SseEvent] = asyncio.Queue()
        self.comments: list[str] = []
        self.status: int | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> SseClient:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self._connected.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    async def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream("GET", f"{self.url}/v1/stream", headers=headers) as response,
        ):
            self.status = response.status_code
            if response.status_code != 200:
                self._connected.set()
                return
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    self._connected.set()
                elif line == "":
                    if "data" in fields:
                        await self.events.put(
                            SseEvent(fields.get("id"), fields.get("event"), fields["data"])
                        )
                    fields = {}
                else:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")

    async def next(self, within: float = 5.0) -> SseEvent:
        return await asyncio.wait_for(self.events.get(), within)

    def pending(self) -> list[SseEvent]:
        drained = []
        while not self.events.empty():
            drained.append(self.events.get_nowait())
        return drained
