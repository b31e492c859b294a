"""Where cases come from: a dispute ticket (``case.opened``), or a registration at a committee's
desk — a walk-in (来访), a court (诉前调解), police (公调对接) or petition-bureau referral, a
dispute found in screening (``case.registered``). Either way the level comes from the versioned
rules (``levels``) and the body from the place (``committees``); the case starts ``registered``
with a provisional one-month clock that acceptance restarts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from pingan_common.events import CaseOpened, CaseOpenedData, TicketRegistered
from pingan_common.events.dispatch import TaskConvertedToCase
from pingan_common.events.mediation import CaseRegistered, CaseRegisteredData
from pingan_common.ids import new_id
from pingan_common.numbering import document_number
from pingan_common.refdata import load_county
from pingan_mediation.cases.clocks import conclusion_clock
from pingan_mediation.cases.kinds import kind_label
from pingan_mediation.cases.levels import decide_level, default_rules
from pingan_mediation.cases.schemas import CaseCreate, PartyIn
from pingan_mediation.cases.signals import prior_violence_signal
from pingan_mediation.cases.work import Work, party_refs, raise_signals
from pingan_mediation.committees import mediation_body_for, split_area
from pingan_mediation.models import Case, CaseParty, case_number_sequence

CASE_NUMBER_PREFIX = "TJ"


def needs_case(event: TicketRegistered) -> bool:
    return "mediation" in event.data.dispositions


@dataclass(frozen=True)
class NewCase:
    source: str
    dispute_kind: str
    dispute_label: str
    description: str
    area_code: str
    village_code: str | None
    township_code: str | None
    amount: Decimal | None = None
    people_involved: int = 2
    ticket_id: UUID | None = None
    ticket_number: str | None = None
    source_event_id: UUID | None = None
    referral_ref: str | None = None
    case_id: UUID | None = None  # the id an Idempotency-Key claim promised


async def _new_case(work: Work, new: NewCase) -> Case:
    decision = decide_level(
        default_rules(), kind=new.dispute_kind, amount=new.amount, people=new.people_involved
    )
    body = mediation_body_for(
        load_county(),
        village_code=new.village_code,
        township_code=new.township_code,
        level=decision.level,
    )
    sequence = await work.session.scalar(case_number_sequence.next_value())
    clock = conclusion_clock(work.now, court_referred=new.source == "court")
    case = Case(
        id=new.case_id or new_id(),
        case_number=document_number(CASE_NUMBER_PREFIX, work.now, sequence),
        ticket_id=new.ticket_id,
        ticket_number=new.ticket_number,
        source_event_id=new.source_event_id,
        source=new.source,
        referral_ref=new.referral_ref,
        state="registered",
        dispute_type=new.dispute_kind,
        dispute_label=new.dispute_label,
        description=new.description,
        amount=new.amount,
        people_involved=new.people_involved,
        level=body.level,
        level_rule=f"{decision.rule_id}@{decision.rules_version}",
        committee_code=body.code,
        committee_name=body.name,
        area_code=new.area_code,
        registered_by=work.actor,
        opened_at=work.now,
        due_at=clock.due_at,
        court_referred=new.source == "court",
        extension_count=0,
        failed_sessions=0,
        scheduled_sessions=0,
        open_terms=0,
        signals_raised=[],
    )
    work.session.add(case)
    await work.session.flush()
    work.record(
        case,
        "register",
        None,
        {
            "source": new.source,
            "level": body.level,
            "level_rule": decision.rule_id,
            "level_why": decision.why,
            "committee_code": body.code,
        },
    )
    return case


async def open_case_for_ticket(work: Work, event: TicketRegistered) -> Case:
    """A dispute ticket becomes a registered case at the body its place and rules call for."""
    data = event.data
    case = await _new_case(
        work,
        NewCase(
            source="ticket",
            dispute_kind=data.category.code or "general",
            dispute_label=data.category.label,
            description=data.description,
            area_code=data.area_code,
            village_code=data.location.village_code,
            township_code=data.location.township_code,
            people_involved=2,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            source_event_id=event.id,
        ),
    )
    assert case.ticket_id is not None and case.ticket_number is not None
    await work.publish(
        case,
        CaseOpened,
        CaseOpenedData(
            case_id=case.id,
            case_number=case.case_number,
            ticket_id=case.ticket_id,
            ticket_number=case.ticket_number,
            category=data.category,
            committee_code=case.committee_code,
            committee_name=case.committee_name,
            area_code=case.area_code,
            opened_at=work.now,
            due_at=case.due_at,
            source="ticket",
            level=case.level,
            dispute_kind=case.dispute_type,
        ),
    )
    return case


async def open_case_for_task(work: Work, event: TaskConvertedToCase) -> Case:
    """A task a unit converted (转调解) becomes a registered case on the task's ticket; the
    mediator records the parties (the event carries none of their data)."""
    data = event.data
    case = await _new_case(
        work,
        NewCase(
            source="task",
            dispute_kind=data.dispute_kind,
            dispute_label=kind_label(data.dispute_kind),
            description=f"{data.summary}\n（承办单位转调解：{data.reason}）",
            area_code=data.area_code,
            village_code=data.village_code,
            township_code=data.township_code,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            source_event_id=event.id,
            # The converted task is the referral: its id is the file number it came with.
            referral_ref=str(data.task_id),
        ),
    )
    await work.publish(
        case,
        CaseRegistered,
        CaseRegisteredData(
            case_id=case.id,
            case_number=case.case_number,
            ticket_id=case.ticket_id,
            ticket_number=case.ticket_number,
            source="task",
            referral_ref=case.referral_ref,
            dispute_kind=data.dispute_kind,
            dispute_label=case.dispute_label,
            level=case.level,
            committee_code=case.committee_code,
            committee_name=case.committee_name,
            area_code=case.area_code,
            people_involved=case.people_involved,
            registered_by=data.actor,
            registered_at=work.now,
            task_id=data.task_id,
        ),
    )
    return case


async def register_case(work: Work, body: CaseCreate, case_id: UUID | None = None) -> Case:
    """A case registered at the desk by a mediator, with its parties."""
    village, township = split_area(body.area_code)
    case = await _new_case(
        work,
        NewCase(
            source=body.source,
            dispute_kind=body.dispute_kind,
            dispute_label=kind_label(body.dispute_kind),
            description=body.description,
            area_code=body.area_code,
            village_code=village,
            township_code=township,
            amount=body.amount,
            people_involved=max(body.people_involved, len(body.parties)),
            ticket_id=body.ticket_id,
            ticket_number=body.ticket_number,
            referral_ref=body.referral_ref,
            case_id=case_id,
        ),
    )
    parties = [
        add_party(work, case, party, position) for position, party in enumerate(body.parties, 1)
    ]
    await work.publish(
        case,
        CaseRegistered,
        CaseRegisteredData(
            case_id=case.id,
            case_number=case.case_number,
            ticket_id=case.ticket_id,
            ticket_number=case.ticket_number,
            source=body.source,
            referral_ref=body.referral_ref,
            dispute_kind=body.dispute_kind,
            dispute_label=case.dispute_label,
            level=case.level,
            committee_code=case.committee_code,
            committee_name=case.committee_name,
            area_code=case.area_code,
            amount=float(body.amount) if body.amount is not None else None,
            people_involved=case.people_involved,
            party_refs=party_refs(parties),
            registered_by=work.actor,
            registered_at=work.now,
        ),
    )
    if any(party.prior_violence for party in parties):
        await raise_signals(work, case, [prior_violence_signal()], party_refs(parties))
    return case


def add_party(work: Work, case: Case, party: PartyIn, position: int) -> CaseParty:
    row = CaseParty(
        id=new_id(),
        case_id=case.id,
        role=party.role,
        name=party.name.strip(),
        phone=party.phone,
        id_number=party.id_number,
        address=party.address,
        ref=f"P{position}",
        position=position,
        prior_violence=party.prior_violence,
    )
    work.session.add(row)
    return row
