"""Per-client limits on a running intake (pingan_common.throttling), turned on with small limits:
Open311's public reads by address, third-party systems by key, and a lockout of the address after
repeated wrong keys, in the header and in Open311's form; staff tokens are not limited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

import pingan_intake.bootstrap
from pingan_common.settings import ThrottleSettings
from pingan_common.testing.services import RunningService, TestStack, running_service
from pingan_intake.settings import IntakeSettings

THIRD_PARTY_KEY = "pingan-demo-key-0001"
BURST = 4
LIMITS = ThrottleSettings(
    api_key_per_s=0.2,
    api_key_burst=BURST,
    anonymous_per_s=0.2,
    anonymous_burst=BURST,
    max_credential_failures=3,
    lockout_s=30,
)


@pytest.fixture
async def throttled(module_stack: TestStack) -> AsyncIterator[RunningService]:
    settings = await module_stack.settings(IntakeSettings, "intake_throttled", throttle=LIMITS)
    async with running_service(pingan_intake.bootstrap, settings) as service:
        yield service


def _counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "intake", **labels}) or 0.0


async def test_public_reads_are_limited_by_address_with_retry_after(throttled, module_stack):
    client = throttled.client
    answers = [(await client.get("/open311/v2/services.json")).status_code for _ in range(BURST)]
    over = await client.get("/open311/v2/services.json")
    staff = await client.get(
        "/v1/tickets", headers=module_stack.auth.headers("dispatcher"), params={"limit": 1}
    )
    probe = await client.get("/healthz")

    assert answers == [200] * BURST
    assert over.status_code == 429, over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(over.headers["Retry-After"]) <= 5
    assert staff.status_code == 200, staff.text
    assert probe.status_code == 200


async def test_a_third_party_system_is_limited_by_its_key(throttled):
    client = throttled.client
    headers = {"X-API-Key": THIRD_PARTY_KEY}
    answers = [
        (await client.get("/v1/tickets", headers=headers, params={"limit": 1})).status_code
        for _ in range(BURST)
    ]
    before = _counted("pingan_requests_throttled_total", reason="rate")
    over = await client.get("/v1/tickets", headers=headers, params={"limit": 1})
    other_key_unaffected = await client.get(
        "/open311/v2/services.json", params={"api_key": "pingan-110-key-0001"}
    )

    assert answers == [200] * BURST
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert _counted("pingan_requests_throttled_total", reason="rate") == before + 1
    assert other_key_unaffected.status_code == 200


async def test_wrong_keys_lock_the_address_out_even_for_the_right_key(throttled):
    client = throttled.client
    before = _counted("pingan_credential_lockouts_total")
    wrong = [
        (await client.get("/v1/tickets", headers={"X-API-Key": "guess-1"})).status_code,
        (await client.get("/v1/tickets", headers={"X-API-Key": "guess-2"})).status_code,
        (
            await client.post(
                "/open311/v2/requests.json",
                data={"service_code": "street_light", "api_key": "guess-3", "lat": 28.6},
            )
        ).status_code,
    ]
    right_key = await client.get("/v1/tickets", headers={"X-API-Key": THIRD_PARTY_KEY})

    assert wrong == [401, 401, 403]
    assert right_key.status_code == 429, right_key.text
    assert "wrong credentials" in right_key.json()["detail"]
    assert int(right_key.headers["Retry-After"]) > 20
    assert _counted("pingan_credential_lockouts_total") == before + 1
