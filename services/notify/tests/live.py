"""Real HTTP helpers for notify's tests (PYTEST_DONT_REWRITE).

- ``serve_here(app)``: serves an ASGI app that already runs in the test's event loop (the notify
  app with its engine and stream hub) with uvicorn on a free port of that same loop — for
  clients that need a real socket, like the live stream's Server-Sent Events.
- ``Receiver``: a webhook receiver that records each request and fails on command.
- ``Contacts``: intake's caller-contact endpoint as notify calls it, with numbers the test
  registers and failures on command.
- ``Clock``: a service clock a test can set and move.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response


@contextlib.asynccontextmanager
async def serve_here(app: Any) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
        sock.close()


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; ``fail(path, n, status)`` makes the next n requests to it fail."""

    url: str = ""
    received: list[ReceivedRequest] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)
    always_fail: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> Response:
            body = await request.body()
            with self._lock:
                self.received.append(ReceivedRequest(path, dict(request.headers), body))
                queued = self.failures.get(path)
                status = queued.pop(0) if queued else self.always_fail.get(path)
            return Response(status_code=status or 204)

        return app

    def fail(self, path: str, times: int, status: int = 503) -> None:
        with self._lock:
            self.failures[path] = [status] * times

    def requests_to(self, path: str) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.received if r.path == path]


@dataclass
class Contacts:
    """``GET /v1/tickets/{id}/caller-contact`` as intake answers it."""

    url: str = ""
    phones: dict[str, str] = field(default_factory=dict)
    calls: list[dict[str, str]] = field(default_factory=list)
    fail_next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/tickets/{ticket_id}/caller-contact")
        async def contact(ticket_id: str, request: Request) -> Response:
            with self._lock:
                self.calls.append(
                    {
                        "ticket_id": ticket_id,
                        "reason": request.query_params.get("reason", ""),
                        "api_key": request.headers.get("x-api-key", ""),
                    }
                )
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return Response(status_code=503)
                phone = self.phones.get(ticket_id)
            if phone is None:
                return Response(status_code=404)
            return Response(
                content=f'{{"phone": "{phone}", "name": "王女士"}}', media_type="application/json"
            )

        return app

    def register(self, ticket_id: Any, phone: str) -> None:
        with self._lock:
            self.phones[str(ticket_id)] = phone


@dataclass
class Clock:
    """The service's clock: real time, or a time the test set (which then stands still)."""

    fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        self.fixed = moment

    def advance(self, delta: timedelta) -> None:
        self.fixed = self() + delta

    def real(self) -> None:
        self.fixed = None


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
        import httpx

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
