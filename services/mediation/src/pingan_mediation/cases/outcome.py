"""How a mediation ends: the agreement (调解协议书) with its terms and the 司法确认 window,
follow-up visits on each term (履行回访), referral of a failed case (诉讼 / 仲裁 / 行政裁决),
and closing (结案) with the outcome."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from pingan_common.events.mediation import (
    AgreementTerm,
    CaseAgreementReached,
    CaseAgreementReachedData,
    CaseFollowupRecorded,
    CaseFollowupRecordedData,
    CaseOutcome,
    CaseReferred,
    CaseReferredData,
)
from pingan_common.ids import new_id
from pingan_common.lifecycle import ActionInvalid
from pingan_common.workdays import to_county_time
from pingan_mediation.cases.clocks import confirmation_due_on, term_instants
from pingan_mediation.cases.schemas import AgreementBody, CloseBody, FollowupBody, ReferBody
from pingan_mediation.cases.work import Work, finish, publish_closed
from pingan_mediation.models import Case, CaseAgreement, CaseFollowup, CaseParty, CaseTerm

ROUTE_LABELS = {"litigation": "诉讼", "arbitration": "仲裁", "administrative": "行政裁决"}


async def do_record_agreement(work: Work, case: Case, body: AgreementBody) -> None:
    parties = list(
        await work.session.scalars(
            select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.position)
        )
    )
    roles = {party.role for party in parties}
    if not {"applicant", "respondent"} <= roles:
        raise ActionInvalid(
            "an agreement is signed by the parties: add an applicant and a respondent first",
            field="body",
        )
    signed_at = body.signed_at or work.now
    if signed_at.tzinfo is None:
        raise ActionInvalid("give the signing time with its zone", field="body.signed_at")
    signed_on = to_county_time(signed_at).date()
    for index, term in enumerate(body.terms):
        if term.obligor_party > len(parties):
            raise ActionInvalid(
                f"the case has {len(parties)} parties, not {term.obligor_party}",
                field=f"body.terms.{index}.obligor_party",
            )
        if term.due_on < signed_on:
            raise ActionInvalid(
                "a term cannot fall due before the agreement is signed",
                field=f"body.terms.{index}.due_on",
            )
    agreement = CaseAgreement(
        id=new_id(),
        case_id=case.id,
        signed_at=signed_at,
        facts=body.facts,
        confirmation_due_on=confirmation_due_on(signed_at),
    )
    work.session.add(agreement)
    terms: list[AgreementTerm] = []
    for number, term in enumerate(body.terms, 1):
        due_notice_at, breach_at = term_instants(term.due_on)
        obligor = parties[term.obligor_party - 1].ref
        work.session.add(
            CaseTerm(
                id=new_id(),
                case_id=case.id,
                agreement_id=agreement.id,
                term_no=number,
                obligor_ref=obligor,
                description=term.description,
                amount=term.amount,
                due_on=term.due_on,
                due_notice_at=due_notice_at,
                breach_at=breach_at,
                state="pending",
            )
        )
        terms.append(
            AgreementTerm(
                term_no=number,
                obligor_ref=obligor,
                amount=float(term.amount) if term.amount is not None else None,
                due_on=term.due_on,
            )
        )
    previous = case.state
    case.state = "agreed"
    case.open_terms = len(terms)
    case.confirmation_due_on = agreement.confirmation_due_on
    total = sum((term.amount or Decimal(0) for term in body.terms), Decimal(0))
    work.record(
        case,
        "record-agreement",
        previous,
        {
            "terms": len(terms),
            "total_amount": str(total),
            "confirmation_due_on": agreement.confirmation_due_on.isoformat(),
        },
    )
    await work.publish(
        case,
        CaseAgreementReached,
        CaseAgreementReachedData(
            **work.fields(case),
            agreement_id=agreement.id,
            signed_at=signed_at,
            terms=terms,
            total_amount=float(total),
            confirmation_due_on=agreement.confirmation_due_on,
        ),
    )


async def do_record_followup(work: Work, case: Case, body: FollowupBody) -> None:
    term = None
    if body.term_no is not None:
        term = await work.session.scalar(
            select(CaseTerm).where(CaseTerm.case_id == case.id, CaseTerm.term_no == body.term_no)
        )
        if term is None:
            raise ActionInvalid(f"the agreement has no term {body.term_no}", field="body.term_no")
        if body.performed and term.state != "performed":
            term.state = "performed"
            term.settled_at = body.visited_at or work.now
            case.open_terms -= 1
    followup = CaseFollowup(
        id=new_id(),
        case_id=case.id,
        term_no=body.term_no,
        performed=body.performed,
        note=body.note,
        visited_at=body.visited_at or work.now,
        recorded_by=work.actor,
    )
    work.session.add(followup)
    work.record(
        case,
        "record-followup",
        case.state,
        {"term_no": body.term_no, "performed": body.performed, "note": body.note},
    )
    await work.publish(
        case,
        CaseFollowupRecorded,
        CaseFollowupRecordedData(
            **work.fields(case),
            followup_id=followup.id,
            term_no=body.term_no,
            performed=body.performed,
            all_terms_performed=case.open_terms == 0,
        ),
    )


async def do_refer(work: Work, case: Case, body: ReferBody) -> None:
    previous = case.state
    case.state = "referred"
    case.referral_route = body.route
    case.referral_body = body.receiving_body
    work.record(
        case,
        "refer",
        previous,
        {"route": body.route, "receiving_body": body.receiving_body, "note": body.note},
    )
    await work.publish(
        case,
        CaseReferred,
        CaseReferredData(
            **work.fields(case),
            route=body.route,
            receiving_body=body.receiving_body,
            note=body.note,
        ),
    )


CLOSING: dict[str, tuple[CaseOutcome, str]] = {
    "agreed": ("performed", "调解成功，协议已履行完毕"),
    "referred": ("referred", "调解不成，已引导"),
    "failed": ("failed", "调解不成，终结调解"),
}


async def do_close(work: Work, case: Case, body: CloseBody) -> None:
    outcome, default = CLOSING[case.state]
    if outcome == "referred":
        route = ROUTE_LABELS.get(case.referral_route or "", case.referral_route or "")
        default = f"{default}{route}（{case.referral_body}）"
    await finish(
        work, case, state="closed", action="close", outcome=outcome, summary=body.summary or default
    )
    await publish_closed(work, case)
