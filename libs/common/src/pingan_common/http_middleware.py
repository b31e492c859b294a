"""Request ids, correlation ids in the log context, and the HTTP latency histogram."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from fastapi import FastAPI, Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from pingan_common.metrics import HTTP_REQUEST_SECONDS

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware(BaseHTTPMiddleware):
    def __init__(self, app, *, service: str) -> None:  # type: ignore[no-untyped-def]
        super().__init__(app)
        self._service = service

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = _incoming_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id,
            correlation_id=_incoming_id(request.headers.get(CORRELATION_ID_HEADER)),
            traceparent=request.headers.get("traceparent"),
        )
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        HTTP_REQUEST_SECONDS.labels(
            self._service,
            request.method,
            getattr(route, "path", "unmatched"),
            str(response.status_code),
        ).observe(time.perf_counter() - started)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


def _incoming_id(value: str | None) -> str | None:
    """Accept a caller's id only if it is short and harmless to log."""
    return value if value and _SAFE_ID.match(value) else None


def install_request_middleware(app: FastAPI, *, service: str) -> None:
    app.add_middleware(RequestContextMiddleware, service=service)
