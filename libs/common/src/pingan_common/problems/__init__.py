"""RFC 9457 problem details: every error a Pingan service answers has one shape.

Members: ``type``, ``title``, ``status``, ``detail``, ``instance`` (the request path, without the
query string, which may carry personal data) and ``request_id`` when the request has one; field
errors add ``errors: [{"field", "message", "type"}]``; a ``ProblemError`` may add extension members.

Problem types: ``about:blank`` when the status says it all (its title is then the status phrase);
otherwise a slug such as ``validation-error``, sent as ``urn:pingan:problem:validation-error``.
A URN, not an http URL, because there is no page to resolve it to; clients compare the string.

Malformed JSON is a 400 (type ``malformed-json``), not a 422: 422 says the content was
well-formed but wrong (RFC 9110 §15.5.21), and a body that does not parse is a syntax error.

Unhandled exceptions become a 500 problem with a generic detail and are logged with their stack
trace on the ``pingan.problems`` logger. ``install_problem_handlers`` adds a small ASGI middleware
for that instead of relying only on Starlette's ``Exception`` handler, because Starlette re-raises
after answering, which makes the server log every failure twice and test transports raise.
"""

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:pingan:problem:"
VALIDATION_ERROR = "validation-error"
MALFORMED_JSON = "malformed-json"

# A request with thousands of bad list items must not produce a megabyte of errors.
MAX_FIELD_ERRORS = 50
MAX_MESSAGE_LENGTH = 300

logger = logging.getLogger("pingan.problems")

_RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "instance", "request_id", "errors"}
)


def problem_type(type_: str) -> str:
    """Expand a slug to its URN; ``about:blank`` and full URIs pass through unchanged."""
    return type_ if ":" in type_ else PROBLEM_TYPE_PREFIX + type_


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemError(Exception):
    """Raise anywhere in a request to answer with this problem."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        clashing = _RESERVED_MEMBERS.intersection(extensions)
        if clashing:
            raise TypeError(f"extension members clash with standard ones: {sorted(clashing)}")
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = problem_type(type_)
        self.errors = errors
        self.headers = dict(headers or {})
        self.extensions = extensions


class NotFound(ProblemError):
    def __init__(self, what: str, identifier: object, **extensions: Any) -> None:
        super().__init__(404, status_phrase(404), f"{what} {identifier} not found", **extensions)


class Conflict(ProblemError):
    def __init__(self, detail: str, *, type_: str = "about:blank", **extensions: Any) -> None:
        super().__init__(409, status_phrase(409), detail, type_=type_, **extensions)


class Forbidden(ProblemError):
    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(403, status_phrase(403), detail, **extensions)


class Unauthorized(ProblemError):
    """401 with the RFC 6750 challenge.

    ``bearer_error`` goes into the challenge (``invalid_token``, ``invalid_request``); leave it
    None when the request carried no credentials at all, as RFC 6750 §3.1 asks.
    """

    def __init__(
        self, detail: str, *, bearer_error: str | None = "invalid_token", **extensions: Any
    ) -> None:
        super().__init__(
            401,
            status_phrase(401),
            detail,
            headers={"WWW-Authenticate": _bearer_challenge(bearer_error, detail)},
            **extensions,
        )


def _bearer_challenge(bearer_error: str | None, detail: str) -> str:
    if bearer_error is None:
        return "Bearer"
    description = detail.replace('"', "'").replace("\\", "/")
    return f'Bearer error="{bearer_error}", error_description="{description}"'


class UnprocessableEntity(ProblemError):
    """Well-formed input the domain rejects; ``errors`` as in request validation."""

    def __init__(self, detail: str, errors: list[dict] | None = None, **extensions: Any) -> None:
        super().__init__(
            422, "Validation failed", detail, type_=VALIDATION_ERROR, errors=errors, **extensions
        )


# --- the documented schema -------------------------------------------------------------------


class ProblemFieldError(BaseModel):
    field: str
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem; extension members may follow the standard ones."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_TYPE_PREFIX + VALIDATION_ERROR,
                    "title": "Validation failed",
                    "status": 422,
                    "detail": "request validation failed for: body.caller.phone",
                    "instance": "/v1/tickets",
                    "request_id": "0193f1c2-7a4e-7c1d-9a51-3e2b8f0d4a11",
                    "errors": [
                        {
                            "field": "body.caller.phone",
                            "message": "String should match pattern '^\\+?[0-9-]{3,20}$'",
                            "type": "string_pattern_mismatch",
                        }
                    ],
                }
            ]
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    errors: list[ProblemFieldError] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries so /docs shows the problem schema for these statuses."""
    return {status: _documented_problem(status) for status in statuses}


def _documented_problem(status: int) -> dict[str, Any]:
    example = {
        "type": "about:blank",
        "title": status_phrase(status),
        "status": status,
        "detail": status_phrase(status),
        "instance": "/v1/…",
    }
    return {
        # "model" registers the schema in components; the hook moves it to problem+json.
        "model": Problem,
        "description": status_phrase(status),
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": example,
            }
        },
    }


# --- rendering ---------------------------------------------------------------------------------


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
    _document_problems_in_openapi(app)


# --- OpenAPI -----------------------------------------------------------------------------------

_COMPONENT_REF = "#/components/schemas/"
_PROBLEM_REF = {"$ref": _COMPONENT_REF + "Problem"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _document_problems_in_openapi(app: FastAPI) -> None:
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        already_built = app.openapi_schema is not None
        schema = build_schema()
        if not already_built:
            _use_problem_schema(schema)
        return schema

    # FastAPI's documented way to extend the schema is to replace the method
    app.openapi = openapi  # type: ignore[method-assign]


def _use_problem_schema(schema: dict[str, Any]) -> None:
    """Error responses say problem+json and point at Problem, FastAPI's default 422 included."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _add_problem_components(components)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                for status, response in operation.get("responses", {}).items():
                    if _is_error_status(status):
                        _retarget_error_content(response)
    _drop_unreferenced(schema, components, _FASTAPI_VALIDATION_SCHEMAS)


def _add_problem_components(components: dict[str, Any]) -> None:
    problem_schema = Problem.model_json_schema(ref_template=_COMPONENT_REF + "{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("Problem", problem_schema)


def _is_error_status(status: str) -> bool:
    return status == "default" or status[:1] in {"4", "5"}


def _retarget_error_content(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    json_content = content.get("application/json")
    if json_content is None or not _is_problem_like(json_content.get("schema", {})):
        return
    del content["application/json"]
    problem_content = content.setdefault(PROBLEM_MEDIA_TYPE, {})
    problem_content["schema"] = dict(_PROBLEM_REF)


def _is_problem_like(schema: dict[str, Any]) -> bool:
    ref = schema.get("$ref", "")
    return ref.removeprefix(_COMPONENT_REF) in {"Problem", "HTTPValidationError"}


def _drop_unreferenced(
    schema: dict[str, Any], components: dict[str, Any], names: tuple[str, ...]
) -> None:
    """Remove components nothing points at any more; ``names`` in dependency order."""
    for name in names:
        if name in components and f'"{_COMPONENT_REF}{name}"' not in json.dumps(schema):
            del components[name]
