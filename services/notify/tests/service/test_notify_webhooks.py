"""Signed webhooks to a real local receiver: subscriptions API, signatures checked with the
documented snippet, retries, the circuit breaker, dead-lettering, replay, the 110 feedback.

The receiver is a small app served by uvicorn on a free port; it records every request and
fails on command. Retry and breaker timings are shrunk to fractions of a second.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pingan_common.events import EventEnvelope, parse_event
from pingan_common.events.notify import DeliveryDeadLettered, DeliveryFailed
from pingan_common.testing.harness import ServiceHarness
from pingan_common.testing.servers import Receiver
from pingan_common.testing.services import TestStack, eventually
from services.notify.tests.service.harness import notify_service

SECRET = "whsec-test-0123456789"
ADMIN = {"role": "admin"}


@pytest.fixture(scope="module")
async def notify(
    module_stack: TestStack, sms_gateway_server: Any, contacts: Any, receiver: Receiver
) -> AsyncIterator[ServiceHarness]:
    async with notify_service(
        module_stack,
        sms_gateway_server,
        contacts,
        retry_base_s=0.05,
        retry_cap_s=0.2,
        retry_max_total_s=1.5,
        breaker_failure_threshold=3,
        breaker_cool_down_s=1.0,
        police_feedback_webhook_url=f"{receiver.url}/police110",
        police_feedback_webhook_secret=SECRET,
    ) as harness:
        yield harness


@pytest.fixture
async def subscribe(notify) -> AsyncIterator[Callable[..., Any]]:  # type: ignore[no-untyped-def]
    """Create subscriptions for one test; they are deleted when it ends."""
    created: list[str] = []

    async def create(path: str, event_types: list[str], **fields: Any) -> dict[str, Any]:
        body = {"name": path, "url": f"{RECEIVER['url']}/{path}", "secret": SECRET}
        response = await notify.client.post(
            "/v1/webhooks/subscriptions",
            json=body | {"event_types": event_types} | fields,
            headers=notify.headers("admin"),
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
        return response.json()

    yield create
    for subscription_id in created:
        await notify.client.delete(
            f"/v1/webhooks/subscriptions/{subscription_id}", headers=notify.headers("admin")
        )


RECEIVER: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _receiver_url(receiver: Receiver) -> None:
    RECEIVER["url"] = receiver.url


async def deliveries(notify, subscription_id: str, **filters: Any) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return await notify.items(
        "/v1/deliveries",
        role="admin",
        channel="webhook",
        recipient=subscription_id,
        **filters,
    )


async def published(notify, event_class: type[EventEnvelope], delivery_id: str, count: int = 1):  # type: ignore[no-untyped-def]
    def matches(record) -> bool:  # type: ignore[no-untyped-def]
        event = parse_event(record.value)
        return isinstance(event, event_class) and str(event.data.delivery_id) == delivery_id

    records = await notify.published.records(matches, count=count)
    return [parse_event(r.value) for r in records]


# --- subscriptions API -----------------------------------------------------------------


async def test_subscriptions_are_managed_by_admins_with_a_write_only_secret(notify):
    admin = notify.headers("admin")
    body = {
        "name": "乡镇App",
        "url": "https://township1.example/hooks/pingan",
        "secret": SECRET,
        "event_types": ["pingan.dispatch.task.*"],
        "area_prefix": "331199001",
    }
    created = await notify.client.post(
        "/v1/webhooks/subscriptions", json=body, headers=admin | {"Idempotency-Key": "sub-1"}
    )
    again = await notify.client.post(
        "/v1/webhooks/subscriptions", json=body, headers=admin | {"Idempotency-Key": "sub-1"}
    )
    sub_id = created.json()["id"]
    patched = await notify.client.patch(
        f"/v1/webhooks/subscriptions/{sub_id}",
        json={"secret": "whsec-rotated-9876543210", "active": False},
        headers=admin,
    )
    listed = await notify.client.get("/v1/webhooks/subscriptions", headers=admin)
    dispatcher = await notify.client.get(
        "/v1/webhooks/subscriptions", headers=notify.headers("dispatcher")
    )
    bad = await notify.client.post(
        "/v1/webhooks/subscriptions",
        json=body | {"event_types": ["pingan.nothing.v9"], "url": "not a url"},
        headers=admin,
    )
    deleted = await notify.client.delete(f"/v1/webhooks/subscriptions/{sub_id}", headers=admin)
    gone = await notify.client.get(f"/v1/webhooks/subscriptions/{sub_id}", headers=admin)

    assert created.status_code == 201, created.text
    assert created.json()["secret"] == "****6789" and SECRET not in created.text
    assert again.status_code == 200 and again.json()["id"] == sub_id
    assert patched.json()["rotating"] is True and patched.json()["active"] is False
    assert sub_id in {s["id"] for s in listed.json()["items"]}
    assert dispatcher.status_code == 403
    assert bad.status_code == 422
    assert {e["field"].split(".")[-1] for e in bad.json()["errors"]} == {"event_types", "url"}
    assert deleted.status_code == 204 and gone.status_code == 404


async def test_a_townships_admin_sees_and_changes_only_its_own_townships_subscriptions(notify):
    chengguan = notify.headers("admin", area="331199001")
    chengnan = notify.headers("admin", area="331199002")
    body = {
        "name": "城关App",
        "url": "https://chengguan.example/hooks/pingan",
        "secret": SECRET,
        "event_types": ["pingan.dispatch.task.*"],
    }
    own = await notify.client.post(
        "/v1/webhooks/subscriptions", json=body | {"area_prefix": "331199001"}, headers=chengguan
    )
    sub_id = own.json()["id"]
    other_area = await notify.client.post(
        "/v1/webhooks/subscriptions", json=body | {"area_prefix": "331199002"}, headers=chengguan
    )
    county_wide = await notify.client.post(
        "/v1/webhooks/subscriptions", json=body, headers=chengguan
    )
    moved_out = await notify.client.patch(
        f"/v1/webhooks/subscriptions/{sub_id}", json={"area_prefix": None}, headers=chengguan
    )
    listed_by_other = await notify.client.get("/v1/webhooks/subscriptions", headers=chengnan)
    read_by_other = await notify.client.get(
        f"/v1/webhooks/subscriptions/{sub_id}", headers=chengnan
    )
    patched_by_other = await notify.client.patch(
        f"/v1/webhooks/subscriptions/{sub_id}", json={"active": False}, headers=chengnan
    )
    deleted_by_other = await notify.client.delete(
        f"/v1/webhooks/subscriptions/{sub_id}", headers=chengnan
    )
    listed_by_county = await notify.client.get(
        "/v1/webhooks/subscriptions", headers=notify.headers("admin")
    )
    still = await notify.client.get(f"/v1/webhooks/subscriptions/{sub_id}", headers=chengguan)
    deleted = await notify.client.delete(f"/v1/webhooks/subscriptions/{sub_id}", headers=chengguan)

    assert own.status_code == 201, own.text
    assert other_area.status_code == county_wide.status_code == moved_out.status_code == 403
    assert sub_id not in {s["id"] for s in listed_by_other.json()["items"]}
    assert read_by_other.status_code == patched_by_other.status_code == 404
    assert deleted_by_other.status_code == 404
    assert sub_id in {s["id"] for s in listed_by_county.json()["items"]}
    assert still.status_code == 200
    assert still.json()["active"] is True and still.json()["area_prefix"] == "331199001"
    assert deleted.status_code == 204


async def test_the_110_feedback_subscription_is_seeded_and_receives_police_feedback(
    notify, events, receiver
):
    listed = await notify.client.get("/v1/webhooks/subscriptions", headers=notify.headers("admin"))
    (seeded,) = [s for s in listed.json()["items"] if s["url"].endswith("/police110")]
    feedback = events.police_feedback()

    await notify.send(feedback)

    requests = await eventually(lambda: _requests(receiver, "police110", 1))
    assert seeded["event_types"] == ["pingan.intake.ticket.police_feedback.v1"]
    assert json.loads(requests[-1].body)["id"] == str(feedback.id)


# --- signing, filtering, retries -------------------------------------------------------


async def test_a_delivery_is_signed_verifiably_and_filtered_by_area(
    notify, events, receiver, subscribe, verify_pingan_webhook
):
    subscription = await subscribe(
        "signed", ["pingan.dispatch.task.assigned.v1"], area_prefix="331199009"
    )
    elsewhere = events.task_assigned(unit_code="331199001-ZZ", area_code="33119900100101")
    inside = events.task_assigned(unit_code="331199009-ZZ", area_code="331199009001")

    await notify.send(elsewhere)
    await notify.send(inside)

    (request,) = await eventually(lambda: _requests(receiver, "signed", 1))
    assert verify_pingan_webhook(SECRET, request.headers, request.body) == str(inside.id)
    assert json.loads(request.body)["data"]["ticket_id"] == str(inside.data.ticket_id)
    assert request.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        verify_pingan_webhook("another-secret-000000", request.headers, request.body)

    async def sent():  # type: ignore[no-untyped-def]
        # The receiver has the request a moment before the worker commits the outcome.
        items = await deliveries(notify, subscription["id"])
        return items if items and items[0]["status"] == "sent" else None

    (delivery,) = await eventually(sent)
    assert delivery["trigger_event_id"] == str(inside.id)
    assert await deliveries(notify, subscription["id"]) == [delivery]  # nothing for elsewhere


async def test_a_rotated_secret_signs_with_both_until_retired(
    notify, events, receiver, subscribe, verify_pingan_webhook
):
    subscription = await subscribe(
        "rotated", ["pingan.dispatch.task.assigned.v1"], area_prefix="331199010"
    )
    new_secret = "whsec-new-secret-0000001"
    await notify.client.patch(
        f"/v1/webhooks/subscriptions/{subscription['id']}",
        json={"secret": new_secret},
        headers=notify.headers("admin"),
    )

    await notify.send(events.task_assigned(unit_code="331199010-ZZ", area_code="331199010001"))

    (request,) = await eventually(lambda: _requests(receiver, "rotated", 1))
    assert request.headers["x-pingan-signature"].count("v1=") == 2
    assert verify_pingan_webhook(SECRET, request.headers, request.body)
    assert verify_pingan_webhook(new_secret, request.headers, request.body)


async def test_a_failing_receiver_is_retried_until_it_answers(notify, events, receiver, subscribe):
    subscription = await subscribe(
        "flaky", ["pingan.dispatch.task.assigned.v1"], area_prefix="331199011"
    )
    receiver.fail("flaky", times=2, status=500)
    assigned = events.task_assigned(unit_code="331199011-ZZ", area_code="331199011001")

    await notify.send(assigned)

    async def sent():  # type: ignore[no-untyped-def]
        items = await deliveries(notify, subscription["id"], status="sent")
        return items or None

    (delivery,) = await eventually(sent)
    requests = receiver.requests_to("flaky")
    assert delivery["attempts"] == 3 and len(requests) == 3
    assert {r.headers["x-pingan-event-id"] for r in requests} == {str(assigned.id)}
    failed = await published(notify, DeliveryFailed, delivery["id"], count=2)
    assert [f.data.attempts for f in failed] == [1, 2]
    assert all(f.data.next_attempt_at is not None for f in failed)


# --- breaker, dead letters, replay -------------------------------------------------------


async def test_a_dead_endpoint_opens_the_circuit_then_dead_letters_and_an_admin_replays(
    notify, events, receiver, subscribe
):
    subscription = await subscribe(
        "down", ["pingan.dispatch.task.assigned.v1"], area_prefix="331199012"
    )
    receiver.always_fail["down"] = 503
    first = events.task_assigned(unit_code="331199012-ZZ", area_code="331199012001")
    await notify.send(first)

    # Three failures in a row open the circuit (threshold 3).
    await eventually(lambda: _breaker_is(notify, subscription["id"], "open"))
    later = events.task_assigned(unit_code="331199012-ZZ", area_code="331199012002")
    await notify.send(later)
    await asyncio.sleep(0.4)
    (waiting,) = await deliveries(notify, subscription["id"], ticket_id=str(later.data.ticket_id))
    assert len(receiver.requests_to("down")) == 3
    assert waiting["attempts"] == 0 and waiting["last_error"] == "held: circuit open"

    # Past the bounded retry time (1.5 s) the first delivery is dead-lettered.
    async def dead():  # type: ignore[no-untyped-def]
        items = await deliveries(notify, subscription["id"], status="dead_lettered")
        return [d for d in items if d["trigger_event_id"] == str(first.id)] or None

    (dead_letter,) = await eventually(dead)
    assert dead_letter["last_error"].startswith("HTTP 503")
    (announced,) = await published(notify, DeliveryDeadLettered, dead_letter["id"])
    assert announced.data.last_error.startswith("HTTP 503")

    # The receiver is back; an admin replays: the same event id goes out again.
    del receiver.always_fail["down"]
    not_admin = await notify.client.post(
        f"/v1/deliveries/{dead_letter['id']}/replay", headers=notify.headers("dispatcher")
    )
    replay = await notify.client.post(
        f"/v1/deliveries/{dead_letter['id']}/replay", headers=notify.headers("admin")
    )
    assert not_admin.status_code == 403
    assert replay.status_code == 202, replay.text
    assert replay.json()["status"] == "queued"

    async def replayed():  # type: ignore[no-untyped-def]
        items = await deliveries(notify, subscription["id"], status="sent")
        return [d for d in items if d["id"] == dead_letter["id"]] or None

    await eventually(replayed)
    ok = [
        r for r in receiver.requests_to("down") if r.headers["x-pingan-event-id"] == str(first.id)
    ]
    assert len(ok) >= 4  # three failures, maybe a failed trial, then the replay that landed
    assert await _breaker_is(notify, subscription["id"], "closed")


async def test_only_dead_lettered_or_sent_webhooks_can_be_replayed(notify, events):
    assigned = events.task_assigned(unit_code="331199013-ZZ", area_code="331199013001")
    await notify.send(assigned)
    (in_app,) = await eventually(
        lambda: notify.items("/v1/deliveries", correlation_id=assigned.correlationid)
    )

    response = await notify.client.post(
        f"/v1/deliveries/{in_app['id']}/replay", headers=notify.headers("admin")
    )
    other_township = await notify.client.post(
        f"/v1/deliveries/{in_app['id']}/replay",
        headers=notify.headers("admin", area="331199001"),
    )

    assert response.status_code == 409
    assert other_township.status_code == 404  # another township's delivery is not there for it


def _requests(receiver: Receiver, path: str, count: int):  # type: ignore[no-untyped-def]
    async def probe():  # type: ignore[no-untyped-def]
        requests = receiver.requests_to(path)
        return requests if len(requests) >= count else None

    return probe()


async def _breaker_is(notify, subscription_id: str, state: str) -> bool:  # type: ignore[no-untyped-def]
    response = await notify.client.get(
        f"/v1/webhooks/subscriptions/{subscription_id}", headers=notify.headers("admin")
    )
    return response.json()["breaker_state"] == state


async def test_a_reused_idempotency_key_with_another_body_is_refused_and_creates_nothing(notify):
    admin = notify.headers("admin") | {"Idempotency-Key": "sub-reused-1"}
    body = {
        "name": "网格App",
        "url": "https://grid.example/hooks/pingan",
        "secret": SECRET,
        "event_types": ["pingan.dispatch.task.*"],
    }
    first = await notify.client.post("/v1/webhooks/subscriptions", json=body, headers=admin)
    other = await notify.client.post(
        "/v1/webhooks/subscriptions", json=body | {"name": "另一个"}, headers=admin
    )
    listed = await notify.client.get("/v1/webhooks/subscriptions", headers=notify.headers("admin"))

    assert first.status_code == 201, first.text
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    names = [item["name"] for item in listed.json()["items"]]
    assert names.count("网格App") == 1 and "另一个" not in names
