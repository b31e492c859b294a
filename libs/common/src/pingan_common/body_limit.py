"""A cap on request body size, before anything parses it: installed by the app factory in every
service, at ``ServiceSettings.max_body_bytes`` (intake keeps a smaller cap of its own).

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
