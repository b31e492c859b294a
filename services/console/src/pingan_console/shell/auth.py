"""Who is asking: the session behind the cookie, the roles a page needs, and the CSRF check."""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from pingan_console.sessions.store import Session
from pingan_console.shell.context import console_of

SESSION_COOKIE = "pingan_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(Exception):
    """No live session: pages go to the login form, htmx and JSON calls get a 401."""

    def __init__(self, next_path: str) -> None:
        super().__init__("not signed in")
        self.next_path = next_path


class PageForbidden(Exception):
    """Signed in, but this page is not for the user's role."""


class CsrfRejected(Exception):
    """An unsafe request without this session's CSRF token, or from another origin."""


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


async def current_session(request: Request) -> Session:
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotSignedIn(request.url.path)
    request.state.session = session
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, session)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def require_roles(*roles: str) -> Any:
    """A dependency: the signed-in session, if it holds one of ``roles``."""
    wanted = frozenset(roles)

    async def dependency(session: SessionDep) -> Session:
        if not session.principal.roles & wanted:
            raise PageForbidden()
        return session

    return Depends(dependency)


async def _check_csrf(request: Request, session: Session) -> None:
    if not same_origin(request):
        raise CsrfRejected()
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, session.csrf_token):
        raise CsrfRejected()


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site's page."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    return origin is None or origin == own


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
