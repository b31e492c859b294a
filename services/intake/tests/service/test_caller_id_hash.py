"""The caller's resident ID leaves intake only as a keyed hash (``caller_id_hash``), under the
phone key riskassess shares, so it can match registered key persons by ID; never in clear."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import select

from pingan_intake.models import messaging

OUTBOX = messaging.outbox
# A valid 18-character number with an X check digit, typed in lower case by the operator.
RESIDENT_ID = "11010519491231002X"


def _keyed(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


async def _events_of(api, ticket_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = await api.rows(select(OUTBOX.c.payload).where(OUTBOX.c.message_key == ticket_id))
    return [row.payload for row in rows]


async def test_a_registered_ticket_carries_the_keyed_hash_of_the_resident_id_and_never_the_id(
    api, intake
):
    body = api.lone_body()
    body["caller"]["id_number"] = RESIDENT_ID.lower()

    ticket = await api.register(body)

    (event,) = await _events_of(api, ticket["id"])
    assert event["data"]["caller_id_hash"] == _keyed(intake.settings.phone_hash_key, RESIDENT_ID)
    stored = json.dumps(event, ensure_ascii=False)
    for clear in (RESIDENT_ID, RESIDENT_ID.lower(), RESIDENT_ID[:17]):
        assert clear not in stored


async def test_a_caller_without_a_resident_id_has_no_id_hash(api):
    ticket = await api.register(api.lone_body())

    (event,) = await _events_of(api, ticket["id"])
    assert event["data"]["caller_id_hash"] is None
