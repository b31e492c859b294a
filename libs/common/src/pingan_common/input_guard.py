"""One shared refusal of what no text column can hold: a NUL character (or bytes that are not
UTF-8) in a request's path or query parameters is a 422 problem naming the parameter.

PostgreSQL cannot store NUL in text, so such a parameter used to reach the database and come
back as a 500. Request bodies are each service's to clean (intake strips control characters
from free text on purpose), so they are not judged here.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from pingan_common.problems import VALIDATION_ERROR
from pingan_common.problems.handlers import problem_response


class UnencodableInputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            errors = unencodable_parameters(scope.get("path", ""), scope.get("query_string", b""))
            if errors:
                response = problem_response(
                    Request(scope),
                    422,
                    "Validation failed",
                    "a path or query parameter holds a NUL character or bytes that are not UTF-8",
                    type_=VALIDATION_ERROR,
                    errors=errors,
                )
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)


def unencodable_parameters(path: str, query_string: bytes) -> list[dict[str, str]]:
    """The field errors of a request's path and query (empty when all is well)."""
    errors = []
    if "\x00" in path:
        errors.append(_error("path", "a NUL character in the path"))
    for name, value in _query_pairs(query_string):
        if name is None or value is None:
            errors.append(_error("query", "the query string is not UTF-8"))
        elif "\x00" in name or "\x00" in value:
            errors.append(_error(f"query.{name.replace(chr(0), '')}", "a NUL character"))
    return errors


def _query_pairs(query_string: bytes) -> list[tuple[str | None, str | None]]:
    pairs: list[tuple[str | None, str | None]] = []
    for part in query_string.split(b"&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition(b"=")
        pairs.append((_decoded(raw_name), _decoded(raw_value)))
    return pairs


def _decoded(raw: bytes) -> str | None:
    try:
        text = raw.decode("ascii", errors="strict").replace("+", " ")
        return unquote(text, encoding="utf-8", errors="strict")
    except UnicodeError:
        return None


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message, "type": "unencodable"}
