"""Caps on request size, before anything parses it: installed by the app factory in every
service — the body at ``ServiceSettings.max_body_bytes`` (intake keeps a smaller cap of its own),
the headers at ``MAX_HEADER_BYTES`` (431, as RFC 6585 says).

Pydantic's length limits apply only once the whole body is parsed into Python objects; a 50 MB
JSON body would cost memory and CPU first. A declared Content-Length over the cap is refused at
once; a chunked body is counted as it arrives and refused when it crosses the cap.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pingan_common.problems import problem_response


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self._max_bytes):
            response = problem_response(Request(scope), 413, "Content Too Large", self._detail())
            await response(scope, receive, send)
            return
        await self._app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max_bytes:
                    # FastAPI re-raises HTTPException from body reading; the problem handler
                    # answers it as a 413 problem.
                    raise HTTPException(413, self._detail())
            return message

        return counted

    def _detail(self) -> str:
        return f"the request body is larger than {self._max_bytes} bytes"


# Browsers and proxies send a few KiB; nginx's default cap is 8 KiB per header line and 32 KiB
# in all. A bearer token is 1-2 KiB.
MAX_HEADER_BYTES = 32 * 1024


class HeaderSizeLimit:
    """Refuses a request whose headers, names and values together, exceed ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_HEADER_BYTES) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._size(scope) > self._max_bytes:
            detail = f"the request headers are larger than {self._max_bytes} bytes"
            response = problem_response(
                Request(scope), 431, "Request Header Fields Too Large", detail
            )
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)

    @staticmethod
    def _size(scope: Scope) -> int:
        return sum(len(name) + len(value) for name, value in scope.get("headers", ()))
