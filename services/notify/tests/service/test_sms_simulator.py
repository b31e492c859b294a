"""The SMS gateway simulator as a real HTTP server: listing, control, receipts, citizens' replies.

Callbacks go to a real local receiver (a small app served on its own port), as they would reach
notify's callback endpoints.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from pingan_common.testing.servers import serve_in_thread
from pingan_notify.sms.providers import SmsMessage, SmsOutcome
from pingan_notify.templates.catalog import default_catalog
from services.notify.tests.service.gateway import template_sms

PHONE = "13800138000"


def survey_sms(phone: str = PHONE, ticket_number: str = "QS20261123000042") -> SmsMessage:
    return template_sms("callback_survey.sms", phone=phone, ticket_number=ticket_number)


@dataclass
class Receiver:
    """A real HTTP endpoint that keeps what was POSTed to it."""

    url: str
    received: list[Any] = field(default_factory=list)

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[Any]:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(self.received) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} callbacks, got {self.received}")
            await asyncio.sleep(0.02)
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    app = FastAPI()
    received: list[Any] = []

    @app.post("/callback")
    async def callback(request: Request) -> dict[str, int]:
        received.append(await request.json())
        return {"code": 0}

    with serve_in_thread(app) as base_url:
        yield Receiver(url=f"{base_url}/callback", received=received)


@pytest.fixture
def flaky_receiver() -> Iterator[Receiver]:
    """Answers 503 to the first two pushes, as a notify that is restarting would."""
    app = FastAPI()
    received: list[Any] = []
    refused: list[float] = []

    @app.post("/callback")
    async def callback(request: Request) -> Any:
        if len(refused) < 2:
            refused.append(asyncio.get_running_loop().time())
            return Response(status_code=503)
        received.append(await request.json())
        return {"code": 0}

    with serve_in_thread(app) as base_url:
        yield Receiver(url=f"{base_url}/callback", received=received)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


@pytest.fixture
async def gateway_api(sms_gateway) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=sms_gateway.base_url, timeout=5) as c:
        yield c


async def test_the_simulator_reports_itself_healthy(gateway_api):
    response = await gateway_api.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_messages_are_listed_per_phone_oldest_first(sms_gateway, client, gateway_api):
    aliyun, tencent = sms_gateway.aliyun(client), sms_gateway.tencent(client)
    await aliyun.send(survey_sms(ticket_number="QS20261123000001"))
    await tencent.send(survey_sms(phone="13900139000", ticket_number="QS20261123000002"))
    await tencent.send(survey_sms(ticket_number="QS20261123000003"))

    mine = (await gateway_api.get("/messages", params={"to": PHONE})).json()["items"]
    everything = (await gateway_api.get("/messages")).json()["items"]

    assert [m["params"]["ticket_number"] for m in mine] == [
        "QS20261123000001",
        "QS20261123000003",
    ]
    assert [m["provider"] for m in mine] == ["aliyun", "tencent"]
    assert len(everything) == 3
    assert "回复1满意，2基本满意，3不满意" in mine[0]["text"]
    assert mine[0]["text"].startswith(f"【{default_catalog().sign_name}】")
    assert datetime.fromisoformat(mine[0]["received_at"]).tzinfo is not None


async def test_deleting_messages_empties_the_list(sms_gateway, client, gateway_api):
    await sms_gateway.aliyun(client).send(survey_sms())

    response = await gateway_api.delete("/messages")

    assert response.status_code == 204
    assert (await gateway_api.get("/messages")).json()["items"] == []


async def test_controls_change_only_what_is_given_and_reset_to_defaults(gateway_api):
    await gateway_api.post("/control", json={"fail_next": 3, "delay_ms": 50})
    changed = await gateway_api.post("/control", json={"fail_status": 503})

    assert (changed.json()["fail_next"], changed.json()["delay_ms"]) == (3, 50)
    assert changed.json()["fail_status"] == 503

    assert (await gateway_api.delete("/control")).status_code == 204
    defaults = (await gateway_api.get("/control")).json()
    assert (defaults["fail_next"], defaults["delay_ms"], defaults["fail_status"]) == (0, 0, 500)
    assert defaults["rate_limit_per_minute"] is None


async def test_an_unknown_control_is_refused(gateway_api):
    response = await gateway_api.post("/control", json={"fail_forever": True})

    assert response.status_code == 422


async def test_each_accepted_message_gets_a_delivered_receipt(sms_gateway, client, gateway_api):
    result = await sms_gateway.tencent(client).send(survey_sms())

    (receipt,) = (await gateway_api.get("/receipts", params={"to": PHONE})).json()["items"]

    assert receipt["message_id"] == result.provider_message_id
    assert receipt["status"] == "DELIVERED"


@pytest.mark.parametrize("kind", ["aliyun", "tencent"])
async def test_receipts_are_pushed_to_the_callback_in_the_providers_shape(
    kind, sms_gateway, client, receiver
):
    await sms_gateway.control(receipt_callback_url=receiver.url)
    provider = getattr(sms_gateway, kind)(client)

    result = await provider.send(survey_sms())

    (payload,) = await receiver.wait_for(1)
    (receipt,) = provider.parse_receipts(payload)
    assert receipt.provider_message_id == result.provider_message_id
    assert receipt.phone == PHONE
    assert receipt.delivered is True


async def test_a_push_the_receiver_refuses_is_tried_again_until_it_is_taken(
    sms_gateway, client, flaky_receiver
):
    """A notify killed while a report was on its way missed it for good: one receipt of the
    chaos drill stayed ``sent``."""
    await sms_gateway.control(receipt_callback_url=flaky_receiver.url)
    provider = sms_gateway.aliyun(client)

    result = await provider.send(survey_sms())

    (payload,) = await flaky_receiver.wait_for(1, timeout_s=10)
    (receipt,) = provider.parse_receipts(payload)
    assert receipt.provider_message_id == result.provider_message_id


@pytest.mark.parametrize("kind", ["aliyun", "tencent"])
async def test_a_citizens_reply_is_forwarded_in_the_shape_of_the_provider_that_texted_them(
    kind, sms_gateway, client, gateway_api, receiver
):
    await sms_gateway.control(inbound_callback_url=receiver.url)
    provider = getattr(sms_gateway, kind)(client)
    await provider.send(survey_sms())

    response = await gateway_api.post("/control/inbound", json={"from": PHONE, "text": "1"})

    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 200
    (payload,) = await receiver.wait_for(1)
    (reply,) = provider.parse_inbound(payload)
    assert (reply.phone, reply.text) == (PHONE, "1")


async def test_a_reply_without_a_configured_callback_is_refused(gateway_api):
    response = await gateway_api.post("/control/inbound", json={"from": PHONE, "text": "1"})

    assert response.status_code == 409


async def test_a_replayed_aliyun_request_is_refused(sms_gateway, client):
    provider = sms_gateway.aliyun(client)
    params = provider.request_params(
        survey_sms(), nonce=uuid.uuid4().hex, timestamp=datetime.now(UTC)
    )

    first = await client.post(provider.base_url, data=params)
    replay = await client.post(provider.base_url, data=params)

    assert first.json()["Code"] == "OK"
    assert (replay.status_code, replay.json()["Code"]) == (400, "SignatureNonceUsed")
    assert len(await sms_gateway.messages(PHONE)) == 1


async def test_a_request_signed_long_ago_is_refused(sms_gateway, client):
    provider = sms_gateway.aliyun(client)
    long_ago = datetime.now(UTC) - timedelta(minutes=20)
    params = provider.request_params(survey_sms(), nonce=uuid.uuid4().hex, timestamp=long_ago)

    response = await client.post(provider.base_url, data=params)

    assert (response.status_code, response.json()["Code"]) == (400, "InvalidTimeStamp.Expired")


async def test_a_tampered_aliyun_request_fails_its_signature(sms_gateway, client):
    provider = sms_gateway.aliyun(client)
    params = provider.request_params(
        survey_sms(), nonce=uuid.uuid4().hex, timestamp=datetime.now(UTC)
    )
    params["PhoneNumbers"] = "13900139000"

    response = await client.post(provider.base_url, data=params)

    assert (response.status_code, response.json()["Code"]) == (400, "SignatureDoesNotMatch")


async def test_a_tampered_tencent_body_fails_its_signature(sms_gateway, client):
    provider = sms_gateway.tencent(client)
    payload, headers = provider.request(survey_sms(), timestamp=int(datetime.now(UTC).timestamp()))
    tampered = payload.replace(b"13800138000", b"13900139000")

    response = await client.post(provider.base_url, content=tampered, headers=headers)

    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert await sms_gateway.messages() == []


async def test_sends_from_many_clients_at_once_are_all_recorded(sms_gateway, client):
    provider = sms_gateway.tencent(client)
    phones = [f"1390013{n:04d}" for n in range(40)]

    results = await asyncio.gather(*(provider.send(survey_sms(phone=p)) for p in phones))

    assert {r.outcome for r in results} == {SmsOutcome.SENT}
    recorded = await sms_gateway.messages()
    assert sorted(m["to"] for m in recorded) == sorted(phones)
    assert len({m["message_id"] for m in recorded}) == 40
