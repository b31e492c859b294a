"""Request ids, correlation ids in the log context, and the HTTP latency histogram.

A plain ASGI middleware: Starlette's BaseHTTPMiddleware runs each request through an extra
task and memory stream, which costs more than everything else this does.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pingan_common.metrics import HTTP_REQUEST_SECONDS

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self._app = app
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = _incoming_id(headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id,
            correlation_id=_incoming_id(headers.get(CORRELATION_ID_HEADER)),
            traceparent=headers.get("traceparent"),
        )
        started = time.perf_counter()
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self._app(scope, receive, send_with_request_id)
        finally:
            route = scope.get("route")
            HTTP_REQUEST_SECONDS.labels(
                self._service, scope["method"], getattr(route, "path", "unmatched"), str(status)
            ).observe(time.perf_counter() - started)


def _incoming_id(value: str | None) -> str | None:
    """Accept a caller's id only if it is short and harmless to log."""
    return value if value and _SAFE_ID.match(value) else None


def install_request_middleware(app: FastAPI, *, service: str) -> None:
    app.add_middleware(RequestContextMiddleware, service=service)
