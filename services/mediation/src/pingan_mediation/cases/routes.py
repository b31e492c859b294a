"""Cases over REST: register (walk-ins and referrals), list, read with parties, sessions, terms,
timeline and allowed actions, and one POST per lifecycle action.

No ``from __future__ import annotations`` here: the action routes are built in a loop and
FastAPI must see each route's real body class in its signature.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, mask_id_number, mask_phone, require
from pingan_common.idempotency import IdempotencyKeyHeader, IdempotentRequest, claim
from pingan_common.ids import new_id
from pingan_common.lifecycle import etag
from pingan_common.lifecycle import perform as lifecycle_perform
from pingan_common.lifecycle.routes import ActionRoute, add_action_routes
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_common.scoping import scoped_page, within_area
from pingan_mediation.cases import schemas
from pingan_mediation.cases.actions import APPLY
from pingan_mediation.cases.registration import register_case
from pingan_mediation.cases.work import CASES, Work
from pingan_mediation.models import (
    Case,
    CaseFollowup,
    CaseParty,
    CaseSession,
    CaseTerm,
    ContactRead,
    idempotency_records,
)

router = APIRouter(prefix="/v1", tags=["cases"])

READ_ROLES = ("mediator", "operator", "dispatcher", "analyst", "leader", "admin")
Staff = Annotated[Principal, Depends(require(*READ_ROLES))]
Registrar = Annotated[Principal, Depends(require("mediator", "leader", "admin"))]


@router.post(
    "/cases",
    response_model=schemas.CaseDetail,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
    summary="登记: register a walk-in (来访) or a referral (court, police, petition bureau)",
)
async def create_case(
    body: schemas.CaseCreate,
    principal: Registrar,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> schemas.CaseDetail:
    ensure_area(principal, body.area_code)
    now = runtime.now()
    case_id = new_id()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="case.create", principal=principal, body=body
    )
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(session, idempotency_records, keyed, resource_id=case_id, now=now)
            if earlier is not None:
                response.status_code = 200
                case = await session.get(Case, UUID(earlier))
                assert case is not None
                return await case_detail(session, case, principal, now)
        work = Work(
            CASES, session, runtime.outbox, now, principal.subject, actor_name=principal.name
        )
        case = await register_case(work, body, case_id)
        await session.flush()
        detail = await case_detail(session, case, principal, now)
    response.headers["ETag"] = etag(detail.version)
    return detail


@router.get(
    "/cases",
    response_model=Page[schemas.CaseRead],
    responses=problem_responses(400, 401, 403),
    summary="Cases in your area (or yours); filter by ticket, committee, state, source, mediator",
)
async def list_cases(
    principal: Staff,
    runtime: RuntimeDep,
    ticket_id: UUID | None = None,
    committee_code: str | None = None,
    state: str | None = None,
    source: str | None = None,
    mediator_id: str | None = None,
    level: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[schemas.CaseRead]:
    visible = or_(
        within_area(Case.area_code, principal),
        Case.mediator_id == principal.subject,
        Case.leader_id == principal.subject,
    )
    filters = {
        "ticket_id": ticket_id,
        "committee_code": committee_code,
        "state": state,
        "source": source,
        "mediator_id": mediator_id,
        "level": level,
    }
    return await scoped_page(
        runtime,
        Case,
        principal=principal,
        filters=filters,
        cursor=cursor,
        limit=limit,
        item=schemas.CaseRead.model_validate,
        visible=visible,
    )


@router.get(
    "/cases/{case_id}",
    response_model=schemas.CaseDetail,
    responses=problem_responses(401, 403, 404),
    summary="A case: parties (masked by role), sessions, terms, timeline, allowed actions",
)
async def get_case(
    case_id: UUID, principal: Staff, runtime: RuntimeDep, response: Response
) -> schemas.CaseDetail:
    now = runtime.now()
    async with runtime.transaction(one_snapshot=True) as session:
        case = await session.get(Case, case_id)
        if case is None:
            raise NotFound("case", str(case_id))
        CASES.ensure_visible(principal, case)
        detail = await case_detail(session, case, principal, now)
    response.headers["ETag"] = etag(detail.version)
    return detail


def may_see_contacts(principal: Principal, case: Case) -> bool:
    """Parties' phone, ID number and address in full: the case's own mediator and leader, the
    mediators of the body holding it, admins. Everyone else sees them masked."""
    if principal.has_role("admin") or principal.subject in {case.mediator_id, case.leader_id}:
        return True
    return principal.has_role("mediator") and principal.unit_code == case.committee_code


def audit_contact_read(
    session: AsyncSession, case: Case, principal: Principal, now: datetime, purpose: str
) -> None:
    """Record who saw the parties' contacts in full (PIPL): written in the reading transaction."""
    session.add(
        ContactRead(
            case_id=case.id,
            reader=principal.subject,
            roles=sorted(principal.roles),
            purpose=purpose,
            read_at=now,
        )
    )


def _party(party: CaseParty, full: bool) -> schemas.PartyOut:
    return schemas.PartyOut(
        number=party.position,
        ref=party.ref,
        role=party.role,
        name=party.name,
        phone=party.phone if full else mask_phone(party.phone),
        id_number=party.id_number if full else mask_id_number(party.id_number),
        address=party.address if full else (party.address[:6] + "…" if party.address else None),
        prior_violence=party.prior_violence,
        masked=not full,
    )


async def case_detail(
    session: AsyncSession, case: Case, principal: Principal, now: datetime
) -> schemas.CaseDetail:
    def of(model: Any, order: Any) -> Any:
        return session.scalars(select(model).where(model.case_id == case.id).order_by(order))

    parties = list(await of(CaseParty, CaseParty.position))
    sessions = list(await of(CaseSession, CaseSession.session_no))
    terms = list(await of(CaseTerm, CaseTerm.term_no))
    followups = list(await of(CaseFollowup, CaseFollowup.visited_at))
    history = await CASES.history(session, case.id)
    full = may_see_contacts(principal, case)
    if full and parties:
        audit_contact_read(session, case, principal, now, "case_detail")
    return schemas.CaseDetail(
        **schemas.CaseRead.model_validate(case).model_dump(),
        parties=[_party(party, full) for party in parties],
        sessions=[schemas.SessionOut.model_validate(s) for s in sessions],
        terms=[schemas.TermOut.model_validate(t) for t in terms],
        followups=[schemas.FollowupOut.model_validate(f) for f in followups],
        timeline=[schemas.HistoryEntryOut.model_validate(h) for h in history],
        allowed_actions=CASES.allowed_actions(case, principal, now),
    )


async def perform(
    runtime: Runtime,
    case_id: UUID,
    action: str,
    principal: Principal,
    body: Any,
    if_match: str | None,
) -> schemas.CaseDetail:
    """Lock the case, check the rules, apply the action: one transaction, or nothing."""

    async def apply(work: Work, case: Case) -> None:
        await APPLY[action](work, case, body)

    def work(*args: Any, **kwargs: Any) -> Work:
        return Work(*args, **{**kwargs, "actor_name": principal.name})

    return await lifecycle_perform(
        runtime,
        CASES,
        case_id,
        action,
        principal,
        apply=apply,
        respond=case_detail,
        work=work,
        if_match=if_match,
    )


ACTION_ROUTES: list[ActionRoute] = [
    ("accept", schemas.AcceptBody, "受理: the committee accepts the case; its clock starts"),
    ("decline", schemas.DeclineBody, "不予受理: decline, with a reason"),
    ("assign", schemas.AssignBody, "指派: a mediator by area, kind and load, or the one named"),
    ("take-lead", schemas.TakeLeadBody, "领导包案: a leader takes the case"),
    ("add-party", schemas.AddPartyBody, "Add a party (applicant, respondent, other)"),
    ("schedule-session", schemas.ScheduleSessionBody, "Schedule a session: place and time"),
    (
        "record-session",
        schemas.RecordSessionBody,
        "调解笔录: a held session's attendance and record",
    ),
    ("record-agreement", schemas.AgreementBody, "调解协议: the agreement's terms, signed"),
    ("record-failure", schemas.FailureBody, "调解不成: the mediation failed"),
    ("escalate", schemas.EscalateBody, "提级: to the township center, then the county"),
    ("extend", schemas.ExtendBody, "延期: the one extension, with a reason"),
    (
        "refer",
        schemas.ReferBody,
        "引导: refer a failed case to litigation, arbitration or a ruling",
    ),
    ("record-followup", schemas.FollowupBody, "履行回访: a follow-up visit on a term"),
    ("close", schemas.CloseBody, "结案: close with the outcome"),
    ("withdraw", schemas.WithdrawBody, "撤回: the applicant withdraws"),
]


add_action_routes(
    router,
    path="/cases/{case_id}",
    id_name="case_id",
    actions=ACTION_ROUTES,
    caller=Staff,
    detail=schemas.CaseDetail,
    perform=perform,
    name_prefix="case",
)
