"""Rendering a page or a fragment, with what the frame needs: user, role, area and navigation."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from pingan_console.sessions.store import Session
from pingan_console.shell.context import console_of
from pingan_console.shell.navigation import pages_for, role_label


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    session: Session | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    console = console_of(request)
    frame: dict[str, Any] = {
        "request": request,
        "session": session,
        "current_path": request.url.path,
    }
    if session is not None:
        principal = session.principal
        frame |= {
            "user_name": session.user_name,
            "role_label": role_label(principal),
            "area_name": console.area_name(principal.area_code),
            "area_code": principal.area_code,
            "nav": pages_for(principal),
            "csrf_token": session.csrf_token,
        }
    response = console.templates.TemplateResponse(
        request, template, {**frame, **context}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response
