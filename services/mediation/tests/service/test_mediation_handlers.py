"""Mediation's handlers on the handler tier: called directly, on the real database, without the
broker; each test's rows are rolled back (fixtures ``handlers`` and ``handler_tier``)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

import pingan_mediation.bootstrap as mediation_bootstrap
from pingan_common.county_time import COUNTY_TZ
from pingan_common.events import CaseOpened
from pingan_common.events.intake import (
    TicketMerged,
    TicketMergedData,
    TicketRetracted,
    TicketRetractedData,
)
from pingan_common.events.mediation import CaseClosed, CaseWithdrawn
from pingan_common.events.topics import MEDIATION_CASES
from pingan_mediation.models import Case

NEIGHBOURS = {
    "description": "隔壁邻居装修把我家墙弄裂了，谈了几次谈不拢，想请社区调解",
    "group": "dispute",
    "code": "neighbour",
    "label": "邻里纠纷",
    "dispositions": ("mediation",),
}
CASES_OF_TICKET = "SELECT count(*) FROM cases WHERE ticket_id = :ticket"


async def test_a_dispute_ticket_opens_a_case_at_the_village_committee(handlers, make_ticket):
    ticket = make_ticket(**NEIGHBOURS, village="331199001002", grid=None)

    assert await handlers.deliver(ticket) == "applied"

    (case,) = (await handlers.session.scalars(select(Case))).all()
    now = handlers.context.clock()
    assert case.ticket_id == ticket.data.ticket_id
    assert case.source_event_id == ticket.id
    assert case.state == "registered"
    assert case.source == "ticket"
    assert case.level == "village"
    assert case.committee_code == "331199001002-TWH"
    assert case.dispute_type == "neighbour"
    assert case.opened_at == now
    # one month from the county date (23 Nov → 23 Dec), to the end of that day
    assert case.due_at == datetime(2026, 12, 24, tzinfo=COUNTY_TZ)
    # numbered by the county's date: 17:30 UTC on the 22nd is the 23rd in the county
    assert re.fullmatch(r"TJ20261123\d{6}", case.case_number)


async def test_the_opened_case_is_written_to_the_outbox_caused_by_the_ticket(handlers, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)

    await handlers.deliver(ticket)

    (opened,) = await handlers.published()
    case = await handlers.session.scalar(select(Case))
    assert isinstance(opened, CaseOpened)
    assert opened.subject == str(case.id) == str(opened.data.case_id)
    assert opened.causationid == str(ticket.id)
    assert opened.correlationid == ticket.correlationid
    assert opened.data.case_number == case.case_number
    assert opened.data.committee_code == "331199001001-TWH"
    row_topic = await handlers.scalar(
        "SELECT topic FROM outbox WHERE event_id = :id AND sent_at IS NULL", id=opened.id
    )
    assert row_topic == MEDIATION_CASES


async def test_a_ticket_that_needs_no_mediation_is_recorded_as_seen_and_opens_nothing(
    handlers, make_ticket
):
    street_light = make_ticket()

    assert await handlers.deliver(street_light) == "applied"

    assert await handlers.scalar(CASES_OF_TICKET, ticket=street_light.data.ticket_id) == 0
    assert await handlers.published() == []
    inbox = "SELECT consumer_group FROM inbox WHERE event_id = :id"
    assert await handlers.scalar(inbox, id=street_light.id) == "mediation"


async def test_a_redelivered_ticket_event_opens_no_second_case(handlers, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)

    assert await handlers.deliver(ticket) == "applied"
    assert await handlers.deliver(ticket) == "duplicate"

    assert await handlers.scalar(CASES_OF_TICKET, ticket=ticket.data.ticket_id) == 1
    assert len(await handlers.published(CaseOpened)) == 1


async def test_what_one_handler_test_writes_is_gone_for_the_next(handler_tier, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)
    async with handler_tier(mediation_bootstrap.DEFINITION) as first:
        await first.deliver(ticket)
        assert await first.scalar(CASES_OF_TICKET, ticket=ticket.data.ticket_id) == 1

    async with handler_tier(mediation_bootstrap.DEFINITION) as next_test:
        assert await next_test.scalar(CASES_OF_TICKET, ticket=ticket.data.ticket_id) == 0
        assert await next_test.scalar("SELECT count(*) FROM outbox") == 0
        assert await next_test.scalar("SELECT count(*) FROM inbox") == 0
        # and the event is new to it again
        assert await next_test.deliver(ticket) == "applied"


def _retracted(ticket, reason: str = "已自行解决"):  # type: ignore[no-untyped-def]
    data = TicketRetractedData(
        ticket_id=ticket.data.ticket_id,
        ticket_number=ticket.data.ticket_number,
        area_code=ticket.data.area_code,
        actor="operator1",
        occurred_at=ticket.time,
        reason=reason,
    )
    return TicketRetracted.create(data, subject=ticket.subject, correlationid=ticket.correlationid)


def _merged(ticket, master):  # type: ignore[no-untyped-def]
    data = TicketMergedData(
        ticket_id=ticket.data.ticket_id,
        ticket_number=ticket.data.ticket_number,
        area_code=ticket.data.area_code,
        actor="system",
        occurred_at=ticket.time,
        master_ticket_id=master.data.ticket_id,
        master_ticket_number=master.data.ticket_number,
        caller_count=2,
        reason="同一地点同一事项",
        automatic=True,
    )
    return TicketMerged.create(data, subject=ticket.subject, correlationid=ticket.correlationid)


async def test_a_retracted_ticket_withdraws_its_unstarted_case_and_closes_it(handlers, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)
    await handlers.deliver(ticket)

    assert await handlers.deliver(_retracted(ticket)) == "applied"

    case = await handlers.session.scalar(select(Case))
    assert (case.state, case.outcome) == ("withdrawn", "withdrawn")
    (withdrawn,) = await handlers.published(CaseWithdrawn)
    (closed,) = await handlers.published(CaseClosed)
    assert withdrawn.data.cause == "ticket_retracted"
    assert closed.data.outcome == "withdrawn"
    assert closed.correlationid == ticket.correlationid


async def test_a_merged_ticket_withdraws_its_unstarted_case(handlers, make_ticket):
    ticket, master = make_ticket(**NEIGHBOURS), make_ticket(**NEIGHBOURS)
    await handlers.deliver(ticket)

    await handlers.deliver(_merged(ticket, master))

    (withdrawn,) = await handlers.published(CaseWithdrawn)
    assert withdrawn.data.cause == "ticket_merged"
    assert master.data.ticket_number in withdrawn.data.reason


async def test_a_retracted_ticket_leaves_a_case_whose_mediation_started(handlers, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)
    await handlers.deliver(ticket)
    case = await handlers.session.scalar(select(Case))
    case.state, case.mediator_id = "mediating", "mediator1"
    await handlers.session.flush()

    await handlers.deliver(_retracted(ticket))

    await handlers.session.refresh(case)
    assert case.state == "mediating"
    assert await handlers.published(CaseWithdrawn) == []
