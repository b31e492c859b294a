"""A dispatch task its unit converted (转调解) becomes a case with source ``task`` on the task's
ticket (handler tier: mediation's handlers on its database, rolled back after each test)."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select

from pingan_common.events.dispatch import TaskConvertedToCase, TaskConvertedToCaseData
from pingan_common.events.mediation import CaseRegistered
from pingan_common.events.values import Category
from pingan_mediation.models import Case, CaseHistory

CASES_OF_TICKET = "SELECT count(*) FROM cases WHERE ticket_id = :ticket"


def converted_task(now, *, ticket_id=None, village="331199001002"):  # type: ignore[no-untyped-def]
    ticket_id = ticket_id or uuid4()
    task_id = uuid4()
    return TaskConvertedToCase.create(
        TaskConvertedToCaseData(
            task_id=task_id,
            ticket_id=ticket_id,
            ticket_number="QS20261123000042",
            unit_code="331199001-ZZ",
            area_code=village,
            actor="handler1",
            occurred_at=now,
            dispute_kind="neighbour",
            reason="现场核实为邻里宅基地界址纠纷，需调解",
            summary="反映邻居在界址上砌墙挡路",
            category=Category(group="city_service", code="illegal_building", label="违章搭建"),
            urgency="normal",
            township_code="331199001",
            village_code=village,
        ),
        subject=str(task_id),
        correlationid=str(ticket_id),
    )


async def test_a_converted_task_registers_a_case_from_the_task_on_its_ticket(handlers):
    event = converted_task(handlers.context.clock())

    assert await handlers.deliver(event) == "applied"

    case = await handlers.session.scalar(select(Case))
    assert case is not None
    assert case.source == "task"
    assert case.ticket_id == event.data.ticket_id
    assert case.ticket_number == "QS20261123000042"
    assert case.referral_ref == str(event.data.task_id)
    assert case.source_event_id == event.id
    assert case.state == "registered"
    assert case.dispute_type == "neighbour"
    assert case.dispute_label == "邻里纠纷"  # the dispute's kind, not the task's category
    assert case.committee_code == "331199001002-TWH"
    assert "需调解" in case.description
    (registered,) = await handlers.published()
    assert isinstance(registered, CaseRegistered)
    assert registered.data.source == "task"
    assert registered.data.task_id == event.data.task_id
    assert registered.data.ticket_id == event.data.ticket_id
    assert registered.data.registered_by == "handler1"
    assert registered.causationid == str(event.id)
    assert registered.correlationid == str(event.data.ticket_id)


async def test_a_redelivered_conversion_registers_no_second_case(handlers):
    event = converted_task(handlers.context.clock())

    assert await handlers.deliver(event) == "applied"
    assert await handlers.deliver(event) == "duplicate"

    assert await handlers.scalar(CASES_OF_TICKET, ticket=event.data.ticket_id) == 1


async def test_a_ticket_already_in_mediation_keeps_its_case_and_notes_the_conversion(
    handlers, make_ticket
):
    ticket = make_ticket(
        description="隔壁邻居装修把我家墙弄裂了，想请社区调解",
        group="dispute",
        code="neighbour",
        label="邻里纠纷",
        dispositions=("mediation", "task"),
    )
    await handlers.deliver(ticket)
    event = converted_task(handlers.context.clock(), ticket_id=ticket.data.ticket_id)

    assert await handlers.deliver(event) == "applied"

    assert await handlers.scalar(CASES_OF_TICKET, ticket=ticket.data.ticket_id) == 1
    assert await handlers.published(CaseRegistered) == []
    noted = await handlers.session.scalar(
        select(CaseHistory).where(CaseHistory.action == "task-converted")
    )
    assert noted is not None
    assert noted.details["task_id"] == str(event.data.task_id)
