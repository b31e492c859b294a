"""The mediation itself: sessions scheduled (place, time, experts) and held (attendance, the
record, progress / failed / adjourned), and the failure of the mediation. A held session may
raise a 民转刑 signal: a second failed session, a threat or violence recorded."""

from __future__ import annotations

from sqlalchemy import func, select

from pingan_common.events.mediation import (
    CaseFailed,
    CaseFailedData,
    CaseSessionHeld,
    CaseSessionHeldData,
    CaseSessionScheduled,
    CaseSessionScheduledData,
)
from pingan_common.ids import new_id
from pingan_common.lifecycle import ActionInvalid
from pingan_mediation.cases.schemas import FailureBody, RecordSessionBody, ScheduleSessionBody
from pingan_mediation.cases.signals import session_signals
from pingan_mediation.cases.work import Work, party_refs, raise_signals
from pingan_mediation.models import Case, CaseParty, CaseSession


async def do_schedule_session(work: Work, case: Case, body: ScheduleSessionBody) -> None:
    if body.starts_at.tzinfo is None:
        raise ActionInvalid("give the session's time with its zone", field="body.starts_at")
    last = await work.session.scalar(
        select(func.max(CaseSession.session_no)).where(CaseSession.case_id == case.id)
    )
    session = CaseSession(
        id=new_id(),
        case_id=case.id,
        session_no=(last or 0) + 1,
        state="scheduled",
        place=body.place,
        starts_at=body.starts_at,
        experts=body.experts,
        attendance=[],
        threat_recorded=False,
        violence_recorded=False,
    )
    work.session.add(session)
    case.scheduled_sessions += 1
    work.record(
        case,
        "schedule-session",
        case.state,
        {
            "session_no": session.session_no,
            "place": body.place,
            "starts_at": body.starts_at,
            "experts": body.experts,
        },
    )
    await work.publish(
        case,
        CaseSessionScheduled,
        CaseSessionScheduledData(
            **work.fields(case),
            session_id=session.id,
            session_no=session.session_no,
            place=body.place,
            starts_at=body.starts_at,
            mediator_id=case.mediator_id,
            notify_party_refs=await parties_to_notify(work, case),
        ),
    )


async def parties_to_notify(work: Work, case: Case) -> list[str]:
    """The parties notify texts the session notice to: those who gave a phone, by reference
    (the number stays here; notify reads it from the contact route at send time)."""
    parties = (
        await work.session.scalars(
            select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.phone.is_not(None))
        )
    ).all()
    return party_refs([party for party in parties if party.phone and party.phone.strip()])


async def do_record_session(work: Work, case: Case, body: RecordSessionBody) -> None:
    query = select(CaseSession).where(
        CaseSession.case_id == case.id, CaseSession.state == "scheduled"
    )
    if body.session_no is not None:
        query = query.where(CaseSession.session_no == body.session_no)
    session = await work.session.scalar(query.order_by(CaseSession.session_no).limit(1))
    if session is None:
        raise ActionInvalid(f"no scheduled session {body.session_no}", field="body.session_no")
    session.state = "held"
    session.outcome = body.outcome
    session.attendance = body.attendance
    session.record = body.record
    session.threat_recorded = body.threat_recorded
    session.violence_recorded = body.violence_recorded
    session.held_at = work.now
    case.scheduled_sessions -= 1
    if body.outcome == "failed":
        case.failed_sessions += 1
    work.record(
        case,
        "record-session",
        case.state,
        {
            "session_no": session.session_no,
            "outcome": body.outcome,
            "attendance": len(body.attendance),
            "threat_recorded": body.threat_recorded,
            "violence_recorded": body.violence_recorded,
        },
    )
    await work.publish(
        case,
        CaseSessionHeld,
        CaseSessionHeldData(
            **work.fields(case),
            session_id=session.id,
            session_no=session.session_no,
            outcome=body.outcome,
            attendance=len(body.attendance),
            threat_recorded=body.threat_recorded,
            violence_recorded=body.violence_recorded,
            failed_sessions=case.failed_sessions,
        ),
    )
    signals = session_signals(
        failed_sessions=case.failed_sessions,
        threat=body.threat_recorded,
        violence=body.violence_recorded,
        already=set(case.signals_raised),
    )
    if signals:
        await raise_signals(work, case, signals, await refs_of(work, case))


async def do_record_failure(work: Work, case: Case, body: FailureBody) -> None:
    previous = case.state
    case.state = "failed"
    work.record(case, "record-failure", previous, {"reason": body.reason})
    await work.publish(
        case,
        CaseFailed,
        CaseFailedData(
            **work.fields(case), reason=body.reason, failed_sessions=case.failed_sessions
        ),
    )


async def refs_of(work: Work, case: Case) -> list[str]:
    parties = await work.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))
    return party_refs(list(parties))
