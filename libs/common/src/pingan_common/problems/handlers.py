"""Rendering problems, and the exception handlers that answer every error of an app with one.

Malformed JSON is a 400 (type ``malformed-json``), not a 422: 422 says the content was
well-formed but wrong (RFC 9110 §15.5.21), and a body that does not parse is a syntax error.

Unhandled exceptions become a 500 problem with a generic detail and are logged with their stack
trace on the ``pingan.problems`` logger. ``install_problem_handlers`` adds a small ASGI middleware
for that instead of relying only on Starlette's ``Exception`` handler, because Starlette re-raises
after answering, which makes the server log every failure twice and test transports raise.
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pingan_common.outages import backing_service_unavailable
from pingan_common.problems.errors import (
    MALFORMED_JSON,
    PROBLEM_MEDIA_TYPE,
    VALIDATION_ERROR,
    ProblemError,
    problem_type,
    status_phrase,
)
from pingan_common.problems.openapi import document_problems_in_openapi

# A request with thousands of bad list items must not produce a megabyte of errors.
MAX_FIELD_ERRORS = 50
MAX_MESSAGE_LENGTH = 300

logger = logging.getLogger("pingan.problems")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None,
    *,
    type_: str = "about:blank",
    errors: list[dict] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(type_),
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = str(request_id)
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    return JSONResponse(
        jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


async def _on_problem_error(request: Request, exc: ProblemError) -> Response:
    return problem_response(
        request,
        exc.status,
        exc.title,
        exc.detail,
        type_=exc.type,
        errors=exc.errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    raw_errors = list(exc.errors())
    if raw_errors and raw_errors[0].get("type") == "json_invalid":
        return _malformed_json(request, raw_errors[0])
    errors = [_field_error(error) for error in raw_errors[:MAX_FIELD_ERRORS]]
    fields = ", ".join(dict.fromkeys(error["field"] for error in errors[:5]))
    extensions = {}
    if len(raw_errors) > MAX_FIELD_ERRORS:
        extensions["errors_omitted"] = len(raw_errors) - MAX_FIELD_ERRORS
    return problem_response(
        request,
        422,
        "Validation failed",
        f"request validation failed for: {fields}",
        type_=VALIDATION_ERROR,
        errors=errors,
        extensions=extensions,
    )


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    # Deliberately leaves out pydantic's "input": it echoes the submitted value, which may be
    # huge or personal data.
    return {
        "field": ".".join(str(part) for part in error.get("loc", ())),
        "message": str(error.get("msg", "invalid value"))[:MAX_MESSAGE_LENGTH],
        "type": str(error.get("type", "value_error")),
    }


def _malformed_json(request: Request, error: dict[str, Any]) -> Response:
    position = error.get("loc", ("body", "?"))[-1]
    reason = (error.get("ctx") or {}).get("error", "not valid JSON")
    detail = f"the request body is not valid JSON: {reason} at character {position}"
    return problem_response(
        request,
        400,
        "Malformed JSON",
        detail,
        type_=MALFORMED_JSON,
        errors=[{"field": "body", "message": detail, "type": "json_invalid"}],
    )


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code in {204, 304}:  # these statuses may not carry a body
        return Response(status_code=exc.status_code, headers=exc.headers)
    return problem_response(
        request,
        exc.status_code,
        status_phrase(exc.status_code),
        _http_exception_detail(request, exc),
        headers=exc.headers,
    )


def _http_exception_detail(request: Request, exc: StarletteHTTPException) -> str:
    phrase = status_phrase(exc.status_code)
    # Non-string details (FastAPI allows any) are dropped: RFC 9457's detail is a string.
    if isinstance(exc.detail, str) and exc.detail != phrase:
        return exc.detail
    if exc.status_code == 404:
        return f"nothing is served at {request.url.path}"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed here; allowed: {allowed}"
    return phrase


async def _on_unexpected_error(request: Request, exc: Exception) -> Response:
    if backing_service_unavailable(exc):
        logger.warning(
            "backing service unavailable on %s %s: %r; answered 503",
            request.method,
            request.url.path,
            exc,
            extra={"request_id": getattr(request.state, "request_id", None)},
        )
        return problem_response(
            request,
            503,
            status_phrase(503),
            "a backing service (the database) is unavailable for a moment; retry the request",
            headers={"Retry-After": "1"},
        )
    logger.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"request_id": getattr(request.state, "request_id", None)},
    )
    return problem_response(
        request, 500, status_phrase(500), "an unexpected error occurred; it has been logged"
    )


async def render_exception(request: Request, exc: Exception) -> Response:
    """The problem response for any exception, as the installed handlers would answer it."""
    if isinstance(exc, ProblemError):
        return await _on_problem_error(request, exc)
    if isinstance(exc, RequestValidationError):
        return await _on_validation_error(request, exc)
    if isinstance(exc, StarletteHTTPException):
        return await _on_http_exception(request, exc)
    return await _on_unexpected_error(request, exc)


class _UnhandledErrorMiddleware:
    """Turns exceptions no handler took into problems, without re-raising them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if response_started:
                raise  # too late for a problem body; let the server abort the response
            response = await render_exception(Request(scope), exc)
            await response(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` an ``application/problem+json`` answer, in /docs too.

    Call it while building the app. Middleware added afterwards sits outside and sees a 500
    problem response rather than the exception.
    """
    # Starlette types every handler as taking any Exception; it calls each with its own class.
    app.add_exception_handler(ProblemError, _on_problem_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)  # type: ignore[arg-type]
    # Backstop for failures in middleware outside ours (Starlette answers, then re-raises).
    app.add_exception_handler(Exception, _on_unexpected_error)
    app.add_middleware(_UnhandledErrorMiddleware)
    document_problems_in_openapi(app)
