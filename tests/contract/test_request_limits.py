"""Every service refuses oversized bodies and unencodable parameters in the same shared place,
installed by the app factory (not per service)."""

from __future__ import annotations

from types import ModuleType

import httpx
import pytest

import pingan_dispatch.bootstrap as dispatch
import pingan_intake.bootstrap as intake
import pingan_mediation.bootstrap as mediation
import pingan_notify.bootstrap as notify
import pingan_riskassess.bootstrap as riskassess
from pingan_common.body_limit import MAX_HEADER_BYTES, BodySizeLimit, HeaderSizeLimit
from pingan_common.input_guard import UnencodableInputGuard

SERVICES = [intake, dispatch, mediation, riskassess, notify]


@pytest.mark.parametrize("bootstrap", SERVICES, ids=lambda module: module.__name__.split(".")[0])
def test_every_service_has_the_shared_request_limits(bootstrap: ModuleType) -> None:
    app = bootstrap.create_app()
    installed = {middleware.cls: middleware.kwargs for middleware in app.user_middleware}
    assert UnencodableInputGuard in installed
    assert installed[BodySizeLimit]["max_bytes"] <= 1024 * 1024
    assert HeaderSizeLimit in installed


async def test_a_body_over_the_limit_is_a_413_problem_before_any_route_or_database() -> None:
    # notify's template preview once took a 3 MB body; no lifespan: nothing is started
    app = notify.create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notify.test") as client:
        response = await client.post(
            "/v1/templates/ticket_receipt.sms/preview",
            content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_headers_over_the_limit_are_a_431_problem() -> None:
    app = intake.create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        huge = await client.get("/healthz", headers={"X-Filler": "x" * (MAX_HEADER_BYTES + 1)})
        normal = await client.get("/healthz", headers={"X-Filler": "x" * 4096})
    assert huge.status_code == 431
    assert huge.headers["content-type"].startswith("application/problem+json")
    assert normal.status_code == 200
