"""Opening a mediation case for a dispute ticket."""

from __future__ import annotations

from datetime import timedelta

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import CaseOpened, CaseOpenedData, TicketRegistered
from pingan_common.ids import new_id
from pingan_common.numbering import document_number
from pingan_common.refdata import load_county
from pingan_mediation.committees import mediation_body_for
from pingan_mediation.models import Case, case_number_sequence

CASE_NUMBER_PREFIX = "TJ"
CASE_DURATION = timedelta(days=30)


def needs_case(event: TicketRegistered) -> bool:
    return "mediation" in event.data.dispositions


async def open_case(event: TicketRegistered, ctx: HandlerContext) -> Case:
    data = event.data
    now = ctx.clock()
    body = mediation_body_for(
        load_county(),
        village_code=data.location.village_code,
        township_code=data.location.township_code,
    )
    sequence = await ctx.session.scalar(case_number_sequence.next_value())
    case = Case(
        id=new_id(),
        case_number=document_number(CASE_NUMBER_PREFIX, now, sequence),
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        source_event_id=event.id,
        state="opened",
        dispute_type=data.category.code,
        dispute_label=data.category.label,
        description=data.description,
        committee_code=body.code,
        committee_name=body.name,
        area_code=data.area_code,
        opened_at=now,
        due_at=now + CASE_DURATION,
    )
    ctx.session.add(case)
    await ctx.publish(
        CaseOpened.create(
            CaseOpenedData(
                case_id=case.id,
                case_number=case.case_number,
                ticket_id=case.ticket_id,
                ticket_number=case.ticket_number,
                category=data.category,
                committee_code=body.code,
                committee_name=body.name,
                area_code=case.area_code,
                opened_at=now,
                due_at=case.due_at,
            ),
            subject=str(case.id),
            correlationid=event.correlationid,
            causation=event,
            time=now,
        )
    )
    return case
