"""The case documents over REST: the agreement (调解协议书) as a PDF."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select

from pingan_common.auth import Principal, require
from pingan_common.pdf import FontMissing
from pingan_common.problems import Forbidden, NotFound, ProblemError, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_mediation.cases.routes import audit_contact_read, may_see_contacts
from pingan_mediation.cases.work import CASES
from pingan_mediation.documents.agreement import AgreementDocument, PartyLine, TermLine
from pingan_mediation.models import Case, CaseAgreement, CaseParty, CaseTerm

router = APIRouter(prefix="/v1", tags=["documents"])
Staff = Annotated[Principal, Depends(require("mediator", "leader", "admin"))]


@router.get(
    "/cases/{case_id}/agreement.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The agreement, printable"},
        **problem_responses(401, 403, 404, 503),
    },
    summary="调解协议书: the case's agreement as a PDF, for the parties to sign",
)
async def agreement_pdf(case_id: UUID, principal: Staff, runtime: RuntimeDep) -> Response:
    from pingan_mediation.documents.agreement_pdf import render_agreement  # fpdf2: on first use

    async with runtime.transaction(one_snapshot=True) as session:
        case = await session.get(Case, case_id)
        if case is None:
            raise NotFound("case", str(case_id))
        CASES.ensure_visible(principal, case)
        if not may_see_contacts(principal, case):
            raise Forbidden("the agreement names the parties in full: for the case's mediator")
        agreement = await session.scalar(
            select(CaseAgreement).where(CaseAgreement.case_id == case.id)
        )
        if agreement is None:
            raise NotFound("agreement of case", str(case_id))
        parties = list(
            await session.scalars(
                select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.position)
            )
        )
        terms = list(
            await session.scalars(
                select(CaseTerm).where(CaseTerm.case_id == case.id).order_by(CaseTerm.term_no)
            )
        )
        audit_contact_read(session, case, principal, runtime.now(), "agreement_pdf")
    names = {party.ref: party.name for party in parties}
    document = AgreementDocument(
        case_number=case.case_number,
        committee_name=case.committee_name,
        mediator_name=case.mediator_name or case.leader_name or "",
        dispute_label=case.dispute_label,
        facts=agreement.facts,
        parties=[
            PartyLine(party.role, party.name, party.id_number, party.phone, party.address)
            for party in parties
        ],
        terms=[
            TermLine(names.get(t.obligor_ref, t.obligor_ref), t.description, t.amount, t.due_on)
            for t in terms
        ],
        signed_at=agreement.signed_at,
        confirmation_due_on=agreement.confirmation_due_on,
    )
    try:
        pdf = render_agreement(document)
    except FontMissing as missing:
        raise ProblemError(503, "Service Unavailable", str(missing)) from missing
    filename = f"{case.case_number}-agreement.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
