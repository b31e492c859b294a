"""The service client: the user's token on every call, empty filters dropped, problem details
turned into errors a page can show, and an unreachable service named in Chinese."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pingan_console.settings import ConsoleSettings
from pingan_console.upstream import Upstream, UpstreamError, UpstreamUnavailable


def upstream_answering(handler: Callable[[httpx.Request], httpx.Response]) -> Upstream:
    return Upstream(ConsoleSettings(), transport=httpx.MockTransport(handler))


async def test_calls_carry_the_users_token_and_drop_empty_filters() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": []})

    client = upstream_answering(handler)
    body = await client.get("dispatch", "/v1/tasks", "user-token", state="assigned", unit="")
    await client.aclose()
    assert body == {"items": []}
    (request,) = seen
    assert request.headers["Authorization"] == "Bearer user-token"
    assert str(request.url) == "http://127.0.0.1:8002/v1/tasks?state=assigned"


async def test_a_problem_answer_becomes_an_error_with_its_detail() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        problem = {"title": "Conflict", "status": 409, "detail": "任务已签收"}
        return httpx.Response(409, json=problem)

    client = upstream_answering(handler)
    with pytest.raises(UpstreamError) as caught:
        await client.post("dispatch", "/v1/tasks/1/accept", "t", {})
    await client.aclose()
    assert caught.value.status == 409
    assert caught.value.detail == "任务已签收"


async def test_an_unreachable_service_is_named() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = upstream_answering(handler)
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get("mediation", "/v1/cases", "t")
    await client.aclose()
    assert caught.value.status == 503
    assert "调解服务" in caught.value.detail


def test_an_unknown_service_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        ConsoleSettings().upstream_url("billing")
