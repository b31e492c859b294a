"""The problem exceptions: raise a ``ProblemError`` (or one of its kinds) to answer with it.

Also the problem type vocabulary: ``about:blank`` or a slug expanded to
``urn:pingan:problem:<slug>``.
"""

from http import HTTPStatus
from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:pingan:problem:"
VALIDATION_ERROR = "validation-error"
MALFORMED_JSON = "malformed-json"

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
