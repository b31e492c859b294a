"""The console's composition root: settings in, the app out; nothing connects at import time.

The console is a backend-for-frontend: it serves the pages and the static files, keeps the
sessions, and reaches the five services over their REST APIs (with the user's own token) and
notify's live stream. It has no database and no broker connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.resources import files

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.gzip import GZipMiddleware

from pingan_common.auth import JwtVerifier
from pingan_common.auth.throttle import LoginThrottle
from pingan_common.body_limit import BodySizeLimit, HeaderSizeLimit
from pingan_common.http_middleware import install_request_middleware
from pingan_common.input_guard import UnencodableInputGuard
from pingan_common.logging import configure_logging
from pingan_common.refdata import load_county
from pingan_console.routers import PAGE_ROUTERS
from pingan_console.sessions.routes import router as sessions_router
from pingan_console.sessions.store import SessionStore
from pingan_console.settings import UPSTREAMS, ConsoleSettings
from pingan_console.shell.context import Console
from pingan_console.shell.errors import install_error_pages
from pingan_console.shell.security_headers import SecurityHeaders
from pingan_console.stream.routes import router as stream_router
from pingan_console.upstream import Upstream

log = logging.getLogger("pingan.console")
MAX_BODY_BYTES = 256 * 1024
PACKAGE = files("pingan_console")


def create_app(
    settings: ConsoleSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    settings = settings or ConsoleSettings()
    app = FastAPI(
        title="Pingan console",
        description="The web front of the command center (pages at /, its own JSON under /ui/).",
        lifespan=_lifespan(settings, transport),
        docs_url=None,
        redoc_url=None,
    )
    install_error_pages(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(HeaderSizeLimit)
    app.add_middleware(UnencodableInputGuard)
    install_request_middleware(app, service="console")
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")
    app.include_router(_operations_router())
    app.include_router(sessions_router)
    app.include_router(stream_router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    return app


def _lifespan(
    settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("console", settings.log_level)
        # One line per service call is noise at INFO; failures are logged by Upstream itself.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        upstream = Upstream(settings, transport)
        verifier = JwtVerifier(settings.auth)
        app.state.console = Console(
            settings=settings,
            sessions=SessionStore(
                idle_seconds=settings.session_idle_minutes * 60,
                max_sessions=settings.max_sessions,
            ),
            upstream=upstream,
            verifier=verifier,
            county=load_county(),
            templates=Jinja2Templates(directory=str(PACKAGE / "templates")),
            name_throttle=LoginThrottle(max_failures=5),
            address_throttle=LoginThrottle(max_failures=50),
        )
        log.info("console started on %s:%s", settings.host, settings.port)
        try:
            yield
        finally:
            await upstream.aclose()
            await verifier.aclose()

    return lifespan


def _operations_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Ready when every service answers its /healthz (the pages need all five)."""
        console: Console = request.app.state.console
        results = await asyncio.gather(*(_alive(console, name) for name in UPSTREAMS))
        services = dict(zip(UPSTREAMS, results, strict=True))
        ready = all(services.values())
        body = {"status": "ok" if ready else "unavailable", "services": services}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _alive(console: Console, service: str) -> bool:
    try:
        response = await console.upstream.http.get(
            console.upstream.url(service, "/healthz"), timeout=2
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200
