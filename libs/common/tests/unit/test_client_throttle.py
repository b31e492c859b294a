"""The token buckets and the middleware of pingan_common.throttling, on a bare ASGI app."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from pingan_common.problems import install_problem_handlers
from pingan_common.settings import ThrottleSettings
from pingan_common.throttling import ClientThrottle, TokenBuckets, credential_failed

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_the_burst_through_then_one_per_interval() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)

    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == pytest.approx(0.5)
    assert buckets.take("other") == 0.0  # keys are independent
    clock.now += 0.5
    assert buckets.take("k") == 0.0
    assert buckets.take("k") > 0
    clock.now += 60
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]  # refilled, never past burst
    assert buckets.take("k") > 0


def test_buckets_are_bounded_and_forget_the_least_recent_key() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=0.001, burst=1, max_keys=2, clock=clock)
    buckets.take("a")
    buckets.take("b")
    buckets.take("c")  # "a" is forgotten: it starts with a full bucket again

    assert buckets.take("a") == 0.0
    assert buckets.take("c") > 0


def _app(settings: ThrottleSettings) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/check")
    async def check(request: Request, token: str | None = None) -> dict[str, bool]:
        if token != "right":
            credential_failed(request)
            return {"ok": False}
        return {"ok": True}

    @app.get("/open")
    async def open_() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(ClientThrottle, service="unit", settings=settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_wrong_tokens_lock_the_address_out_and_bearer_requests_are_not_limited() -> None:
    settings = ThrottleSettings(anonymous_burst=100, max_credential_failures=2, lockout_s=10)
    async with _app(settings) as client:
        first = await client.get("/check", params={"token": "wrong"})
        second = await client.get("/check", params={"token": "wrong"})
        locked = await client.get("/check", params={"token": "right"})

    assert first.status_code == second.status_code == 200
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "10"


async def test_bearer_requests_pass_and_a_disabled_throttle_limits_nothing() -> None:
    tight = ThrottleSettings(anonymous_per_s=0.01, anonymous_burst=1)
    async with _app(tight) as client:
        anonymous = [(await client.get("/open")).status_code for _ in range(2)]
        staff = [
            (await client.get("/open", headers={"Authorization": "Bearer x"})).status_code
            for _ in range(5)
        ]
    async with _app(tight.model_copy(update={"enabled": False})) as client:
        off = [(await client.get("/open")).status_code for _ in range(5)]

    assert anonymous == [200, 429]
    assert staff == [200] * 5
    assert off == [200] * 5


async def test_callbacks_have_their_own_bucket_per_token() -> None:
    settings = ThrottleSettings(anonymous_burst=1, callback_burst=3, callback_per_s=0.01)
    async with _app(settings) as client:
        callbacks = [(await client.get("/check?token=right")).status_code for _ in range(4)]
        anonymous = [(await client.get("/open")).status_code for _ in range(2)]

    assert callbacks == [200, 200, 200, 429]
    assert anonymous[0] == 200 and anonymous[1] == 429
