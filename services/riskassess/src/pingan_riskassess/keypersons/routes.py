"""The key-person registry over REST: register, list, read, record a visit, change status.

Only ``access.AUTHORISED_ROLES`` within their area; every answer audited in the same
transaction. A visit that does not find the person marks them lost (脱管), a signal on the
person's alert (subject ``key_person``, named by ``ref`` only). The grid worker's view of the
visits due in their grid is ``visit_routes`` (included below, under the same prefix).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, ensure_visible
from pingan_common.auth.masking import mask_name
from pingan_common.idempotency import IdempotencyKeyHeader, IdempotentRequest, claim
from pingan_common.ids import new_id
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit, fetch_page
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_riskassess.alerts.work import ALERTS, AlertWork
from pingan_riskassess.keypersons import visit_routes, visits
from pingan_riskassess.keypersons.access import Authorised, audit
from pingan_riskassess.keypersons.identity import phone_hash, resident_id_hash
from pingan_riskassess.keypersons.schemas import (
    KeyPersonCreate,
    KeyPersonRead,
    StatusChange,
    VisitCreate,
)
from pingan_riskassess.models import KeyPerson, idempotency_records
from pingan_riskassess.settings import RiskassessSettings

router = APIRouter(prefix="/v1", tags=["key persons"])


def _settings(runtime: RuntimeDep) -> RiskassessSettings:
    settings = runtime.settings
    assert isinstance(settings, RiskassessSettings)
    return settings


async def _visible(session: AsyncSession, person_id: UUID, principal: Principal) -> KeyPerson:
    person = await session.get(KeyPerson, person_id, with_for_update=True)
    if person is None:
        raise NotFound("key person", str(person_id))
    ensure_visible(principal, person.area_code, "key person", str(person_id))
    return person


@router.post(
    "/key-persons",
    response_model=KeyPersonRead,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
    summary="Register a key person (重点人员)",
)
async def register_key_person(
    body: KeyPersonCreate,
    principal: Authorised,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> KeyPersonRead:
    ensure_area(principal, body.area_code)
    settings = _settings(runtime)
    now = runtime.now()
    person_id = new_id()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="key_person.create", principal=principal, body=body
    )
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=person_id, now=now
            )
            if earlier is not None:
                response.status_code = 200
                person = await _visible(session, UUID(earlier), principal)
                audit(session, principal, "read", [person.id], request, now)
                return KeyPersonRead.model_validate(person)
        person = KeyPerson(
            id=person_id,
            ref=f"KP-{person_id.hex[-12:].upper()}",
            category=body.category,
            name=body.name,
            name_masked=mask_name(body.name) or "",
            phone_hash=phone_hash(body.phone, settings.phone_hash_key),
            resident_id_hash=resident_id_hash(body.resident_id, settings.phone_hash_key),
            address=body.address,
            area_code=body.area_code,
            case_officer=body.case_officer,
            guardian=body.guardian,
            status="registered",
            risk_rating=body.risk_rating,
            visit_interval_days=body.visit_interval_days,
            next_visit_due_at=now + timedelta(days=body.visit_interval_days),
            lost_contact=False,
            created_by=principal.subject,
            created_at=now,
            updated_at=now,
        )
        session.add(person)
        await session.flush()
        audit(session, principal, "create", [person.id], request, now)
        return KeyPersonRead.model_validate(person)


@router.get(
    "/key-persons",
    response_model=Page[KeyPersonRead],
    responses=problem_responses(400, 401, 403),
    summary="Key persons in your area (every read audited)",
)
async def list_key_persons(
    principal: Authorised,
    runtime: RuntimeDep,
    request: Request,
    category: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[KeyPersonRead]:
    query = select(KeyPerson).where(within_area(KeyPerson.area_code, principal))
    if category is not None:
        query = query.where(KeyPerson.category == category)
    if status is not None:
        query = query.where(KeyPerson.status == status)
    async with runtime.transaction() as session:
        page = await fetch_page(
            session,
            query,
            id_column=KeyPerson.id,
            cursor=cursor,
            limit=limit,
            item=KeyPersonRead.model_validate,
        )
        audit(session, principal, "list", [p.id for p in page.items], request, runtime.now())
    return page


@router.get(
    "/key-persons/{person_id}",
    response_model=KeyPersonRead,
    responses=problem_responses(401, 403, 404),
    summary="One key person (audited)",
)
async def get_key_person(
    person_id: UUID, principal: Authorised, runtime: RuntimeDep, request: Request
) -> KeyPersonRead:
    async with runtime.transaction() as session:
        person = await _visible(session, person_id, principal)
        audit(session, principal, "read", [person.id], request, runtime.now())
        return KeyPersonRead.model_validate(person)


@router.post(
    "/key-persons/{person_id}/visits",
    response_model=KeyPersonRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="Record a visit (走访); not found means lost contact (脱管), a signal",
)
async def record_visit(
    person_id: UUID,
    body: VisitCreate,
    principal: Authorised,
    runtime: RuntimeDep,
    request: Request,
) -> KeyPersonRead:
    now = runtime.now()
    async with runtime.transaction() as session:
        person = await _visible(session, person_id, principal)
        work = AlertWork(ALERTS, session, runtime.outbox, now)
        await visits.record_visit(
            work, person, visitor=principal.subject, found=body.found, notes=body.notes
        )
        audit(session, principal, "visit", [person.id], request, now)
        return KeyPersonRead.model_validate(person)


@router.post(
    "/key-persons/{person_id}/status",
    response_model=KeyPersonRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="在册 / 解除: put a person on or take them off the registry",
)
async def change_status(
    person_id: UUID,
    body: StatusChange,
    principal: Authorised,
    runtime: RuntimeDep,
    request: Request,
) -> KeyPersonRead:
    now = runtime.now()
    async with runtime.transaction() as session:
        person = await _visible(session, person_id, principal)
        person.status = body.status
        person.updated_at = now
        audit(session, principal, f"status:{body.status}", [person.id], request, now)
        return KeyPersonRead.model_validate(person)


router.include_router(visit_routes.router)
