"""The login form, the sign-in against the issuer, and logout.

Sign-in uses the OAuth2 password grant of the local stack's development issuer: a dev-only
shortcut, said so on the form. The token is verified here exactly as the services verify it,
and kept server-side; the browser gets an HttpOnly, SameSite=Strict session cookie.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pingan_common.auth import Principal
from pingan_common.auth.throttle import username_key
from pingan_common.problems import ProblemError
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import SESSION_COOKIE, CsrfRejected, SessionDep, same_origin
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.navigation import home_for
from pingan_console.shell.render import render

log = logging.getLogger("pingan.console.sessions")
router = APIRouter(tags=["sessions"])

DEMO_USERS = (
    ("operator1", "话务员"),
    ("dispatcher1", "派单员"),
    ("handler1", "承办单位（城关镇）"),
    ("grid_worker1", "网格员"),
    ("mediator1", "调解员"),
    ("analyst1", "研判人员"),
    ("leader1", "值班领导"),
)


class SignInFailed(Exception):
    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _locked(seconds: int) -> SignInFailed:
    minutes = max(1, -(-seconds // 60))
    return SignInFailed(f"登录失败次数过多，请 {minutes} 分钟后再试", status=429)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "shell/login.html", next=_safe_next(next), demo_users=DEMO_USERS)


@router.post("/login", include_in_schema=False)
async def login(
    request: Request,
    console: ConsoleDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    if not same_origin(request):
        raise CsrfRejected()
    address = request.client.host if request.client else "unknown"
    try:
        session = await _throttled_sign_in(console, address, username.strip(), password)
    except SignInFailed as failed:
        return render(
            request, "shell/login.html", status_code=failed.status, next=_safe_next(next),
            demo_users=DEMO_USERS, error=failed.message, username=username,
        )  # fmt: skip
    target = _safe_next(next)
    response = RedirectResponse(
        home_for(session.principal) if target == "/" else target, status_code=303
    )
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="strict",
        secure=console.settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout", include_in_schema=False)
async def logout(session: SessionDep, console: ConsoleDep) -> Response:
    console.sessions.end(session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", include_in_schema=False)
async def home(request: Request, console: ConsoleDep) -> Response:
    session = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    return RedirectResponse(home_for(session.principal) if session else "/login", status_code=303)


async def _throttled_sign_in(
    console: Console, address: str, username: str, password: str
) -> Session:
    """Sign in unless the name or the browser's address is locked by recent failures."""
    name = username_key(username)
    wait = max(
        console.name_throttle.retry_after([name]), console.address_throttle.retry_after([address])
    )
    if wait:
        raise _locked(wait)
    try:
        session = await _sign_in(console, username, password)
    except SignInFailed as failed:
        if failed.status == 401:
            console.name_throttle.failed([name])
            console.address_throttle.failed([address])
        raise
    console.name_throttle.succeeded(name)
    return session


async def _sign_in(console: Console, username: str, password: str) -> Session:
    if not username or not password:
        raise SignInFailed("请输入用户名和密码")
    token, expires_in = await _password_grant(console, username, password)
    try:
        principal: Principal = await console.verifier.verify(token)
    except ProblemError as exc:
        log.warning("the issuer's token did not verify: %s", exc.detail)
        raise SignInFailed("登录服务签发的凭证无法验证，请联系管理员") from exc
    if principal.kind != "user" or not principal.roles:
        raise SignInFailed("该账号没有控制台岗位")
    return console.sessions.create(principal, token, time.time() + expires_in)


async def _password_grant(console: Console, username: str, password: str) -> tuple[str, int]:
    form = {"grant_type": "password", "username": username, "password": password}
    try:
        response = await console.upstream.http.post(console.settings.token_url, data=form)
    except httpx.HTTPError as exc:
        log.warning("the issuer is unreachable: %r", exc)
        raise SignInFailed("登录服务暂时无法访问，请稍后重试") from exc
    if response.status_code in (400, 401):
        raise SignInFailed("用户名或密码错误")
    if response.status_code == 429:
        raise _locked(int(response.headers.get("Retry-After", "60")))
    if response.status_code != 200:
        raise SignInFailed("登录服务暂时无法访问，请稍后重试")
    body = response.json()
    return str(body["access_token"]), int(body.get("expires_in", 3600))


def _safe_next(target: str) -> str:
    """Only a path on this site: an open redirect would let a link send users elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
