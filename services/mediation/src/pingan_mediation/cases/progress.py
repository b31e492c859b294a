"""Who holds the case and where: accept (受理) or decline, assign a mediator, a leader takes it
(领导包案), parties added, escalation to the next level, the one extension, withdrawal."""

from __future__ import annotations

from sqlalchemy import func, select, update

from pingan_common.events.mediation import (
    CaseAccepted,
    CaseAcceptedData,
    CaseDeclined,
    CaseDeclinedData,
    CaseEscalated,
    CaseEscalatedData,
    CaseExtended,
    CaseExtendedData,
    CaseMediatorAssigned,
    CaseMediatorAssignedData,
    CaseWithdrawn,
    CaseWithdrawnData,
    WithdrawalCause,
)
from pingan_common.lifecycle import ActionInvalid
from pingan_common.refdata import load_county
from pingan_mediation.cases.clocks import EXTENDED_WARNING_BEFORE, conclusion_clock, extended_due
from pingan_mediation.cases.levels import next_level
from pingan_mediation.cases.registration import add_party
from pingan_mediation.cases.schemas import (
    AcceptBody,
    AddPartyBody,
    AssignBody,
    DeclineBody,
    EscalateBody,
    ExtendBody,
    TakeLeadBody,
    WithdrawBody,
)
from pingan_mediation.cases.sessions import refs_of
from pingan_mediation.cases.signals import prior_violence_signal
from pingan_mediation.cases.work import Work, finish, publish_closed, raise_signals
from pingan_mediation.committees import mediation_body_for, split_area
from pingan_mediation.mediators.assignment import choose_for
from pingan_mediation.models import Case, CaseParty, CaseSession


async def do_accept(work: Work, case: Case, body: AcceptBody) -> None:
    previous = case.state
    clock = conclusion_clock(work.now, court_referred=case.court_referred)
    case.state = "accepted"
    case.accepted_at = work.now
    case.due_at = clock.due_at
    case.warn_at = clock.warn_at
    work.record(case, "accept", previous, {"due_at": case.due_at, "note": body.note})
    await work.publish(
        case,
        CaseAccepted,
        CaseAcceptedData(
            **work.fields(case),
            level=case.level,
            due_at=case.due_at,
            court_referred=case.court_referred,
        ),
    )


async def do_decline(work: Work, case: Case, body: DeclineBody) -> None:
    case.decline_reason = body.reason
    await finish(
        work,
        case,
        state="declined",
        action="decline",
        outcome="declined",
        summary=f"不予受理：{body.reason}",
        details={"reason_code": body.reason_code},
    )
    await work.publish(
        case,
        CaseDeclined,
        CaseDeclinedData(**work.fields(case), reason_code=body.reason_code, reason=body.reason),
    )
    await publish_closed(work, case)


async def do_assign(work: Work, case: Case, body: AssignBody) -> None:
    choice = await choose_for(work.session, case, body.mediator_id, body.reason)
    previous = case.state
    case.state = "mediating"
    case.mediator_id = choice.mediator.id
    case.mediator_name = choice.mediator.name
    work.record(
        case,
        "assign",
        previous,
        {"mediator_id": case.mediator_id, "chosen_by": choice.chosen_by, "reason": choice.reason},
    )
    await work.publish(
        case,
        CaseMediatorAssigned,
        CaseMediatorAssignedData(
            **work.fields(case),
            mediator_id=choice.mediator.id,
            mediator_name=choice.mediator.name,
            mediator_unit_code=choice.mediator.unit_code,
            chosen_by=choice.chosen_by,
            reason=choice.reason,
        ),
    )


async def do_take_lead(work: Work, case: Case, body: TakeLeadBody) -> None:
    case.leader_id = work.actor
    case.leader_name = work.actor_name or work.actor
    work.record(case, "take-lead", case.state, {"leader_id": work.actor, "note": body.note})
    await work.publish(
        case,
        CaseMediatorAssigned,
        CaseMediatorAssignedData(
            **work.fields(case),
            mediator_id=work.actor,
            mediator_name=case.leader_name,
            mediator_unit_code=case.committee_code,
            role="leader",
            chosen_by="staff",
            reason=body.note or "领导包案",
        ),
    )


async def do_add_party(work: Work, case: Case, body: AddPartyBody) -> None:
    count = await work.session.scalar(
        select(func.count()).select_from(CaseParty).where(CaseParty.case_id == case.id)
    )
    party = add_party(work, case, body, (count or 0) + 1)
    work.record(case, "add-party", case.state, {"ref": party.ref, "role": party.role})
    if party.prior_violence:
        await work.session.flush()
        await raise_signals(work, case, [prior_violence_signal()], await refs_of(work, case))


async def do_escalate(work: Work, case: Case, body: EscalateBody) -> None:
    target = next_level(case.level)
    if target is None:  # the rule's guard says so first; kept for a direct caller
        raise ActionInvalid("the case is at the county already", field="body")
    village, township = split_area(case.area_code)
    body_above = mediation_body_for(
        load_county(), village_code=village, township_code=township, level=target
    )
    previous, from_level, from_committee = case.state, case.level, case.committee_code
    case.level = body_above.level
    case.committee_code = body_above.code
    case.committee_name = body_above.name
    case.mediator_id = None
    case.mediator_name = None
    # The sessions the level below had scheduled will not take place.
    await work.session.execute(
        update(CaseSession)
        .where(CaseSession.case_id == case.id, CaseSession.state == "scheduled")
        .values(state="cancelled")
    )
    case.scheduled_sessions = 0
    case.state = "accepted"
    work.record(
        case,
        "escalate",
        previous,
        {
            "from_level": from_level,
            "to_level": case.level,
            "to": case.committee_code,
            "reason": body.reason,
        },
    )
    await work.publish(
        case,
        CaseEscalated,
        CaseEscalatedData(
            **work.fields(case),
            from_level=from_level,
            to_level=case.level,
            from_committee_code=from_committee,
            reason=body.reason,
        ),
    )


async def do_extend(work: Work, case: Case, body: ExtendBody) -> None:
    previous_due = case.due_at
    case.due_at = extended_due(previous_due)
    case.warn_at = case.due_at - EXTENDED_WARNING_BEFORE
    case.extension_count += 1
    case.extension_reason = body.reason
    work.record(
        case,
        "extend",
        case.state,
        {"previous_due_at": previous_due, "due_at": case.due_at, "reason": body.reason},
    )
    await work.publish(
        case,
        CaseExtended,
        CaseExtendedData(
            **work.fields(case),
            previous_due_at=previous_due,
            due_at=case.due_at,
            reason=body.reason,
        ),
    )


async def do_withdraw(work: Work, case: Case, body: WithdrawBody) -> None:
    await withdraw(work, case, cause="applicant", reason=body.reason)


async def withdraw(work: Work, case: Case, *, cause: WithdrawalCause, reason: str) -> None:
    await finish(
        work,
        case,
        state="withdrawn",
        action="withdraw",
        outcome="withdrawn",
        summary=f"撤回调解：{reason}",
        details={"cause": cause},
    )
    await work.publish(
        case, CaseWithdrawn, CaseWithdrawnData(**work.fields(case), cause=cause, reason=reason)
    )
    await publish_closed(work, case)
