"""One pooled HTTP client for every service call the console makes.

The console never holds a credential of its own: each call carries the user's access token, so
each service applies its own role and area rules, and the console cannot show what the user
could not read through the API directly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from pingan_console.settings import ConsoleSettings

log = logging.getLogger("pingan.console.upstream")


class UpstreamError(Exception):
    """A service answered with an error: its status and its problem detail, for the page."""

    def __init__(self, status: int, detail: str, body: Any = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.body = body


class UpstreamUnavailable(UpstreamError):
    """A service could not be reached at all (down, or too slow)."""

    def __init__(self, service: str) -> None:
        super().__init__(503, f"{_SERVICE_NAMES.get(service, service)}暂时无法访问，请稍后重试")
        self.service = service


_SERVICE_NAMES = {
    "intake": "受理服务",
    "dispatch": "派单服务",
    "mediation": "调解服务",
    "riskassess": "研判服务",
    "notify": "通知服务",
}


class Upstream:
    def __init__(
        self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None
    ):
        self._settings = settings
        self._client = httpx.AsyncClient(
            timeout=settings.upstream_timeout_seconds,
            transport=transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    @property
    def http(self) -> httpx.AsyncClient:
        return self._client

    def url(self, service: str, path: str) -> str:
        return f"{self._settings.upstream_url(service)}{path}"

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The raw response of a call that reached the service; errors raise UpstreamError."""
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        try:
            response = await self._client.request(
                method,
                self.url(service, path),
                params=_clean(params),
                json=json,
                headers=all_headers,
            )
        except httpx.HTTPError as exc:
            log.warning("%s %s %s failed: %r", service, method, path, exc)
            raise UpstreamUnavailable(service) from exc
        if response.status_code >= 400:
            raise _error_of(response)
        return response

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return (await self.request(service, "GET", path, token, params=params)).json()

    async def post(
        self,
        service: str,
        path: str,
        token: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = await self.request(service, "POST", path, token, json=body, headers=headers)
        return response.json() if response.content else None

    async def aclose(self) -> None:
        await self._client.aclose()


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop empty filters, so a blank form field means "any", not "equal to the empty string"."""
    if params is None:
        return None
    return {key: value for key, value in params.items() if value not in (None, "")}


def _error_of(response: httpx.Response) -> UpstreamError:
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, str) or not detail:
        detail = response.reason_phrase or "error"
    return UpstreamError(response.status_code, detail, body)
