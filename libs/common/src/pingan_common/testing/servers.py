"""Real HTTP servers for tests (PYTEST_DONT_REWRITE): no mocks between a service and what it calls.

- ``serve_in_thread(app)``: any ASGI app on a free loopback port, in a thread with its own event
  loop, so it answers whatever the test's loop is doing (synchronous tests can use it too).
- ``serve_here(app)``: an app that already runs in the test's event loop (a service with its
  engine and stream hub) on a free port of that same loop — for clients that need a real socket,
  like a live stream's Server-Sent Events, or another service calling it.
- ``Receiver``: a webhook receiver that records each request and fails on command.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response


def _free_socket() -> tuple[socket.socket, int]:
    # Bind first and hand uvicorn the socket: the port is known and can't be taken meanwhile.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(app: Any, *, startup_timeout_s: float = 10.0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port; yield its base URL (``http://127.0.0.1:N``)."""
    sock, port = _free_socket()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.asynccontextmanager
async def serve_here(app: Any) -> AsyncIterator[str]:
    """Serve an app whose lifespan already runs in this loop; yield its base URL."""
    sock, port = _free_socket()
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
    """Records every POST; ``fail(path, n, status)`` makes the next n requests to it fail.

    Serve it with ``receiver.url = stack.enter_context(serve_in_thread(receiver.app()))``.
    """

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
