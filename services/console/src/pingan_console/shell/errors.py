"""How the console answers when it cannot show a page: sign in, not your page, a service error.

Full-page requests get a page; htmx requests get a fragment (or an HX-Redirect to the login
form), so a failed action shows its reason in place and loses nothing the user typed.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pingan_console.sessions.store import Session
from pingan_console.shell.auth import CsrfRejected, NotSignedIn, PageForbidden, login_url
from pingan_console.shell.render import is_htmx, render
from pingan_console.upstream import UpstreamError


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(NotSignedIn, _not_signed_in)  # type: ignore[arg-type]
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    app.add_exception_handler(UpstreamError, _upstream_error)  # type: ignore[arg-type]


async def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
    target = login_url(exc.next_path if request.method == "GET" else "/")
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    if request.url.path.startswith("/ui/"):
        return Response(status_code=401)
    return RedirectResponse(target, status_code=303)


async def _forbidden(request: Request, exc: Exception) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    return _message(request, session, 403, "无权访问", "此页面不属于您的岗位。")


async def _csrf_rejected(request: Request, exc: Exception) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    return _message(request, session, 403, "请求已拒绝", "页面已过期或来源不明，请刷新页面后重试。")


async def _upstream_error(request: Request, exc: UpstreamError) -> Response:
    session = getattr(request.state, "session", None)
    if exc.status == 401 and session is not None:
        # The token behind the session is no longer accepted: sign in again.
        request.app.state.console.sessions.end(session.id)
        return await _not_signed_in(request, NotSignedIn(request.url.path))
    status = exc.status if exc.status in (403, 404, 409, 412, 422, 429, 503) else 502
    return _message(request, session, status, "操作未完成", exc.detail)


def _message(
    request: Request, session: Session | None, status: int, title: str, text: str
) -> HTMLResponse:
    template = "shell/message_fragment.html" if is_htmx(request) else "shell/message.html"
    response = render(request, template, session, status_code=status, title=title, text=text)
    if is_htmx(request):
        # htmx swaps only 2xx answers by default; the fragment goes to the page's message area.
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    return response
