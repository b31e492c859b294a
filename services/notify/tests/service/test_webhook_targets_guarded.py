"""A notify with the SSRF guard on (as in production): subscriptions to internal targets are
refused, and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pingan_common.testing.harness import ServiceHarness
from pingan_common.testing.services import TestStack
from services.notify.tests.service.gateway import SimulatorGateway
from services.notify.tests.service.harness import Contacts, notify_service

BODY = {
    "name": "内网探测",
    "secret": "whsec-0123456789abcdef",
    "event_types": ["pingan.dispatch.task.*"],
}


@pytest.fixture(scope="module")
async def guarded(
    module_stack: TestStack, sms_gateway_server: SimulatorGateway, contacts: Contacts
) -> AsyncIterator[ServiceHarness]:
    async with notify_service(
        module_stack, sms_gateway_server, contacts, webhook_allow_private_targets=False
    ) as harness:
        yield harness


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8009/token",
        "http://127.0.0.1:5432/",
        "http://[::1]:8005/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
    ],
)
async def test_a_subscription_to_an_internal_target_is_refused_and_not_stored(
    guarded: ServiceHarness, url: str
) -> None:
    admin = guarded.headers("admin")
    created = await guarded.client.post(
        "/v1/webhooks/subscriptions", json=BODY | {"url": url}, headers=admin
    )
    listed = await guarded.client.get("/v1/webhooks/subscriptions", headers=admin)

    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["field"] == "body.url"
    assert url not in [item["url"] for item in listed.json()["items"]]


async def test_moving_a_subscription_to_an_internal_target_is_refused(
    guarded: ServiceHarness,
) -> None:
    admin = guarded.headers("admin")
    created = await guarded.client.post(
        "/v1/webhooks/subscriptions",
        json=BODY | {"url": "https://110.example.gov.cn/hooks/pingan"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    moved = await guarded.client.patch(
        f"/v1/webhooks/subscriptions/{created.json()['id']}",
        json={"url": "http://169.254.169.254/"},
        headers=admin,
    )
    read = await guarded.client.get(
        f"/v1/webhooks/subscriptions/{created.json()['id']}", headers=admin
    )

    assert moved.status_code == 422
    assert read.json()["url"] == "https://110.example.gov.cn/hooks/pingan"
