"""Riskassess's handlers on the handler tier: called directly, on the real database, without
the broker; each test's rows are rolled back (fixtures ``handlers`` and ``handler_tier``)."""

from __future__ import annotations

from sqlalchemy import select

import pingan_riskassess.bootstrap as riskassess_bootstrap
from pingan_common.events import AlertRaised
from pingan_common.events.topics import RISKASSESS_ALERTS
from pingan_riskassess.models import Alert

THREAT = {
    "description": "老板拖欠我工资半年，今天再不给钱我就从厂房楼顶跳楼",
    "group": "extreme_threat",
    "code": "threat_self_harm",
    "label": "扬言自杀/跳楼",
    "dispositions": ("police_transfer", "risk"),
    "urgency": "urgent",
    "risk_level": "red",
}
ALERTS_OF_TICKET = "SELECT count(*) FROM alerts WHERE ticket_id = :ticket"


async def test_a_threat_to_jump_raises_a_red_alert_for_the_leader(handlers, make_ticket):
    ticket = make_ticket(**THREAT)

    assert await handlers.deliver(ticket) == "applied"

    (alert,) = (await handlers.session.scalars(select(Alert))).all()
    assert alert.ticket_id == ticket.data.ticket_id
    assert alert.source_event_id == ticket.id
    assert alert.level == "red"
    assert alert.state == "raised"
    assert alert.notify_roles == ["leader", "analyst"]
    assert alert.raised_at == handlers.context.clock()
    # Intake's classification is the threat detector; riskassess keeps no word list of its own.
    assert [(s["rule"], s["evidence"]) for s in alert.signals] == [("threat", "扬言自杀/跳楼")]
    assert alert.subject_kind == "ticket"  # no phone hash: the ticket is the subject


async def test_the_alert_is_written_to_the_outbox_caused_by_the_ticket(handlers, make_ticket):
    ticket = make_ticket(**THREAT)

    await handlers.deliver(ticket)

    (raised,) = await handlers.published()
    alert = await handlers.session.scalar(select(Alert))
    assert isinstance(raised, AlertRaised)
    assert raised.subject == str(alert.id) == str(raised.data.alert_id)
    assert raised.causationid == str(ticket.id)
    assert raised.correlationid == ticket.correlationid
    assert raised.data.level == "red"
    assert raised.time == handlers.context.clock()
    row_topic = await handlers.scalar(
        "SELECT topic FROM outbox WHERE event_id = :id AND sent_at IS NULL", id=raised.id
    )
    assert row_topic == RISKASSESS_ALERTS


async def test_a_street_light_complaint_raises_nothing(handlers, make_ticket):
    ticket = make_ticket()

    assert await handlers.deliver(ticket) == "applied"

    assert await handlers.scalar(ALERTS_OF_TICKET, ticket=ticket.data.ticket_id) == 0
    assert await handlers.published() == []


async def test_a_redelivered_threat_raises_one_alert(handlers, make_ticket):
    ticket = make_ticket(**THREAT)

    assert await handlers.deliver(ticket) == "applied"
    assert await handlers.deliver(ticket) == "duplicate"

    assert await handlers.scalar(ALERTS_OF_TICKET, ticket=ticket.data.ticket_id) == 1
    assert len(await handlers.published(AlertRaised)) == 1


async def test_what_one_handler_test_writes_is_gone_for_the_next(handler_tier, make_ticket):
    ticket = make_ticket(**THREAT)
    async with handler_tier(riskassess_bootstrap.DEFINITION) as first:
        await first.deliver(ticket)
        assert await first.scalar(ALERTS_OF_TICKET, ticket=ticket.data.ticket_id) == 1

    async with handler_tier(riskassess_bootstrap.DEFINITION) as next_test:
        assert await next_test.scalar(ALERTS_OF_TICKET, ticket=ticket.data.ticket_id) == 0
        assert await next_test.scalar("SELECT count(*) FROM outbox") == 0
        assert await next_test.scalar("SELECT count(*) FROM inbox") == 0
        assert await next_test.deliver(ticket) == "applied"
