"""Matching calls to registered key persons in riskassess's handlers (handler tier): by phone
hash, by resident-ID hash, by masked name with the very address; a released person, another
ID or another address is no match."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pingan_common.events import AlertRaised
from pingan_common.ids import new_id
from pingan_riskassess.keypersons.identity import resident_id_hash
from pingan_riskassess.keypersons.schemas import CATEGORY_LABELS
from pingan_riskassess.models import Alert, KeyPerson
from pingan_riskassess.settings import RiskassessSettings

NOW = datetime(2026, 11, 18, 3, tzinfo=UTC)
ADDRESS = "城关街道人民路18号"


def person(status: str = "registered", phone_hash: str | None = None) -> KeyPerson:
    person_id = new_id()
    return KeyPerson(
        id=person_id,
        ref=f"KP-{person_id.hex[-12:].upper()}",
        category="mental_disorder",
        name="王某某",
        name_masked="王*",
        phone_hash=phone_hash,
        address=ADDRESS,
        area_code="331199001001",
        case_officer="社区民警",
        guardian="家属",
        status=status,
        risk_rating="red",
        visit_interval_days=14,
        next_visit_due_at=NOW + timedelta(days=14),
        lost_contact=False,
        created_by="analyst1",
        created_at=NOW,
        updated_at=NOW,
    )


def at_address(call, address: str):  # type: ignore[no-untyped-def]
    location = call.data.location.model_copy(update={"address": address})
    return call.model_copy(update={"data": call.data.model_copy(update={"location": location})})


async def key_person_alerts(handlers) -> list[Alert]:  # type: ignore[no-untyped-def]
    rows = await handlers.session.scalars(select(Alert).where(Alert.subject_kind == "key_person"))
    return list(rows.all())


async def test_a_call_with_the_masked_name_at_the_registered_address_is_the_key_person(
    handlers, make_call
):
    registered = person()
    handlers.session.add(registered)
    await handlers.session.flush()

    await handlers.deliver(at_address(make_call("家里人又发病了，砸东西", at=NOW), ADDRESS))

    (alert,) = await key_person_alerts(handlers)
    assert (alert.subject_ref, alert.level) == (registered.ref, "red")
    (raised,) = await handlers.published(AlertRaised)
    assert "王某某" not in raised.model_dump_json()
    assert raised.data.subject_ref == registered.ref


async def test_a_phone_hash_matches_and_a_released_person_or_other_address_does_not(
    handlers, make_call
):
    handlers.session.add_all([person(phone_hash="kp-phone"), person(status="released")])
    await handlers.session.flush()

    await handlers.deliver(make_call("我想反映情况", phone_hash="kp-phone", at=NOW))
    await handlers.deliver(at_address(make_call("路灯坏了", at=NOW), "解放街1号"))

    (alert,) = await key_person_alerts(handlers)
    assert alert.signals[0]["rule"] == "key_person_involved"


def from_resident(call, id_hash: str):  # type: ignore[no-untyped-def]
    return call.model_copy(
        update={"data": call.data.model_copy(update={"caller_id_hash": id_hash})}
    )


async def test_a_call_with_the_registered_resident_id_hash_is_the_key_person_and_another_is_not(
    handlers, make_call
):
    key = RiskassessSettings().phone_hash_key
    registered = person()
    # Registered the way the registry route does it (a lower-case x is the same number).
    registered.resident_id_hash = resident_id_hash("33010219850312123x", key)
    handlers.session.add(registered)
    await handlers.session.flush()
    # What intake publishes: the normalised (upper-case X) number under the same key.
    same = hmac.new(key.encode(), b"33010219850312123X", hashlib.sha256).hexdigest()
    other = hmac.new(key.encode(), b"110105197001011233", hashlib.sha256).hexdigest()

    await handlers.deliver(from_resident(make_call("路灯坏了", at=NOW), other))
    assert await key_person_alerts(handlers) == []

    await handlers.deliver(from_resident(make_call("我想反映一下情况", at=NOW), same))

    (alert,) = await key_person_alerts(handlers)
    assert (alert.subject_ref, alert.signals[0]["rule"]) == (registered.ref, "key_person_involved")
    (raised,) = await handlers.published(AlertRaised)
    published = raised.model_dump_json()
    assert "33010219850312123" not in published
    # Other services store this event: it names neither the person nor their category.
    assert "涉及在册重点人员" in published
    assert not any(label in published for label in CATEGORY_LABELS.values())
