"""Riskassess as a running service: every registered ticket screened, alerts and events out.

One riskassess app serves the whole module (fixture ``riskassess`` in conftest.py); each test
uses its own tickets, so tests don't see each other's alerts.
"""

from __future__ import annotations

from pingan_common.events import AlertRaised, TicketRegistered
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.testing.services import eventually

THREAT = {
    "description": "老板拖欠我工资半年，今天再不给钱我就从厂房楼顶跳楼",
    "group": "extreme_threat",
    "code": "threat_self_harm",
    "label": "扬言自杀/跳楼",
    "dispositions": ("police_transfer", "risk"),
    "urgency": "urgent",
    "risk_level": "red",
}


def alerts_of(riskassess, ticket: TicketRegistered, role: str | None = None, **claims: str):  # type: ignore[no-untyped-def]
    """The alerts about this ticket (its own subject: no caller hash here), as seen by
    ``role`` with ``claims``; a spike of the module's many threats is another subject."""
    return riskassess.items(
        "/v1/alerts",
        role=role,
        claims=claims,
        ticket_id=str(ticket.data.ticket_id),
        subject_kind="ticket",
    )


async def test_a_threat_to_jump_raises_a_red_alert_for_the_leader(riskassess, make_ticket):
    ticket = make_ticket(**THREAT)

    await riskassess.send(ticket)

    (alert,) = await eventually(lambda: alerts_of(riskassess, ticket))
    assert alert["level"] == "red"
    assert alert["state"] == "raised"
    assert alert["notify_roles"] == ["leader", "analyst"]
    assert alert["area_code"] == ticket.data.area_code
    assert [(s["rule"], s["evidence"], s["level"]) for s in alert["signals"]] == [
        ("threat", "扬言自杀/跳楼", "red")
    ]


async def test_an_alert_is_announced_as_caused_by_the_ticket_event(riskassess, make_ticket):
    ticket = make_ticket(**THREAT)

    await riskassess.send(ticket)

    (raised,) = await riskassess.published.events(ticket.correlationid)
    (alert,) = await eventually(lambda: alerts_of(riskassess, ticket))
    assert isinstance(raised, AlertRaised)
    assert raised.causationid == str(ticket.id)
    assert raised.correlationid == str(ticket.data.ticket_id)
    assert raised.subject == alert["id"] == str(raised.data.alert_id)
    assert raised.source == "/pingan/riskassess"
    assert raised.data.level == "red"
    assert raised.data.notify_roles == ["leader", "analyst"]
    assert [s.evidence for s in raised.data.signals] == ["扬言自杀/跳楼"]
    assert raised.data.ack_due_at is not None


async def test_intake_risk_flag_alone_raises_an_alert_at_its_level(riskassess, make_ticket):
    ticket = make_ticket(
        "社区矫正人员脱管两天了",
        group="key_population",
        code="community_correction_absent",
        label="社区矫正人员脱管",
        dispositions=("risk", "task"),
        risk_level="yellow",
    )

    await riskassess.send(ticket)

    (alert,) = await eventually(lambda: alerts_of(riskassess, ticket))
    assert alert["level"] == "yellow"
    assert alert["notify_roles"] == ["analyst"]
    assert [s["rule"] for s in alert["signals"]] == ["intake_classification"]


async def test_a_street_light_complaint_raises_no_alert(riskassess, make_ticket):
    ticket = make_ticket()

    await riskassess.send(ticket)

    await eventually(lambda: riskassess.consumed(ticket.id))
    assert await alerts_of(riskassess, ticket) == []


async def test_the_same_ticket_event_delivered_twice_raises_one_alert(riskassess, make_ticket):
    ticket = make_ticket(**THREAT)
    marker = make_ticket()

    await riskassess.send(ticket)
    await riskassess.send(ticket)
    # Same key, same partition: once the marker is applied, both copies have been seen.
    await riskassess.send(marker, key=ticket.subject)

    await eventually(lambda: riskassess.consumed(marker.id))
    assert len(await alerts_of(riskassess, ticket)) == 1
    assert await riskassess.outbox_count(AlertRaised.event_type(), ticket.correlationid) == 1


async def test_an_unparseable_message_is_dead_lettered_and_the_next_threat_still_flows(
    riskassess, make_ticket
):
    ticket = make_ticket(**THREAT)
    key = f"garbage-{ticket.subject}"

    await riskassess.send(b"not json", key=key, topic=INTAKE_TICKETS)
    await riskassess.send(ticket, key=key)

    (dead,) = await riskassess.dead_letters.records(lambda r: r.key == key.encode())
    assert dead.value == b"not json"
    assert dict(dead.headers)["dlq_error"]
    assert dead.topic == riskassess.stack.kafka_settings().topic("intake.tickets.v1.dlq.riskassess")
    assert await eventually(lambda: alerts_of(riskassess, ticket))


async def test_a_township_user_sees_alerts_of_its_own_township_only(riskassess, make_ticket):
    ticket = make_ticket(**THREAT)
    await riskassess.send(ticket)
    (alert,) = await eventually(lambda: alerts_of(riskassess, ticket))

    own = {"role": "leader", "area": "331199001", "unit": "331199001-ZZ"}
    grid_worker = {"role": "grid_worker", "area": "33119900100101"}
    elsewhere = {"role": "leader", "area": "331199002", "unit": "331199002-ZZ"}

    assert [a["id"] for a in await alerts_of(riskassess, ticket, **own)] == [alert["id"]]
    assert [a["id"] for a in await alerts_of(riskassess, ticket, **grid_worker)] == [alert["id"]]
    assert await alerts_of(riskassess, ticket, **elsewhere) == []
    single = await riskassess.client.get(
        f"/v1/alerts/{alert['id']}",
        headers=riskassess.headers("leader", area="331199002", unit="331199002-ZZ"),
    )
    assert single.status_code == 404  # another area's: not there for them


async def test_listing_alerts_needs_a_token_and_a_role_that_works_on_risks(riskassess):
    anonymous = await riskassess.client.get("/v1/alerts")
    operator = await riskassess.client.get("/v1/alerts", headers=riskassess.headers("operator"))

    assert anonymous.status_code == 401
    assert operator.status_code == 403


async def test_alerts_can_be_filtered_by_level(riskassess, make_ticket):
    ticket = make_ticket(**THREAT)
    await riskassess.send(ticket)
    await eventually(lambda: alerts_of(riskassess, ticket))

    red = await riskassess.items(
        "/v1/alerts", ticket_id=str(ticket.data.ticket_id), level="red", subject_kind="ticket"
    )
    blue = await riskassess.items(
        "/v1/alerts", ticket_id=str(ticket.data.ticket_id), level="blue", subject_kind="ticket"
    )

    assert len(red) == 1
    assert blue == []


async def test_riskassess_is_ready_when_database_broker_and_consumer_run(riskassess):
    response = await riskassess.client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
