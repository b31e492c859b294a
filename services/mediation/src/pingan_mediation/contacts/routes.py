"""A party's clear phone for a service holding the contact-reader key (notify sends each party
its session notice by SMS); staff read contacts through the case detail, masked by role. Every
read is audited with the caller's reason."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from pingan_common.auth import Principal, ensure_visible, require
from pingan_common.problems import Forbidden, NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_mediation.cases.routes import audit_contact_read
from pingan_mediation.models import Case, CaseParty

router = APIRouter(prefix="/v1", tags=["contacts"])
ServiceOrStaff = Annotated[Principal, Depends(require(allow_api_key=True))]


class PartyContact(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "01a2374e-53bf-72e5-a99c-adb4d4595b3f",
                    "case_number": "TJ20261123000001",
                    "ref": "P1",
                    "name": "王建华",
                    "phone": "+8613812345678",
                }
            ]
        }
    )

    case_id: UUID
    case_number: str
    ref: str = Field(description="The party's opaque reference on the case (P1, P2 …)")
    name: str
    phone: str | None = Field(description="E.164; null when the party gave no phone")


@router.get(
    "/cases/{case_id}/parties/{ref}/contact",
    response_model=PartyContact,
    responses=problem_responses(401, 403, 404, 422),
    summary="A party's clear phone, for the notify service's key only (audited with the reason)",
)
async def party_contact(
    case_id: UUID,
    ref: Annotated[str, Path(pattern=r"^P\d{1,3}$", examples=["P1"])],
    principal: ServiceOrStaff,
    runtime: RuntimeDep,
    reason: Annotated[str, Query(min_length=2, max_length=40, description="Why (audited)")],
) -> PartyContact:
    if principal.kind != "api_client":
        raise Forbidden("a party's clear phone is read with the notify service's key only")
    async with runtime.transaction() as session:
        case = await session.get(Case, case_id)
        if case is None:
            raise NotFound("case", str(case_id))
        ensure_visible(principal, case.area_code, "case", str(case_id))
        party = await session.scalar(
            select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.ref == ref)
        )
        if party is None:
            raise NotFound("party", ref)
        audit_contact_read(session, case, principal, runtime.now(), reason)
        return PartyContact(
            case_id=case.id,
            case_number=case.case_number,
            ref=party.ref,
            name=party.name,
            phone=_e164(party.phone),
        )


def _e164(phone: str | None) -> str | None:
    """Mainland mobiles as stored (11 digits) become +86…; anything else is given as stored."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+86{digits}" if len(digits) == 11 and digits.startswith("1") else phone
