"""The grid worker's visits (走访) over REST: the registered persons due for a visit in their
own grid, and recording one. Area scope as everywhere (a grid worker's area is their grid);
every list and every visit audited in the same transaction; a visit that does not find the
person is lost contact (脱管), an orange signal (``visits.record_visit``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from pingan_common.auth import ensure_visible
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit, fetch_page
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_riskassess.alerts.work import ALERTS, AlertWork
from pingan_riskassess.keypersons.access import Visitor, audit
from pingan_riskassess.keypersons.schemas import DueVisitRead, VisitCreate
from pingan_riskassess.keypersons.visits import record_visit
from pingan_riskassess.models import KeyPerson

router = APIRouter(tags=["key-person visits"])


@router.get(
    "/key-person-visits",
    response_model=Page[DueVisitRead],
    responses=problem_responses(400, 401, 403),
    summary="Visits (走访) due in your grid, overdue first in meaning (audited)",
)
async def list_due_visits(
    principal: Visitor,
    runtime: RuntimeDep,
    request: Request,
    due_within_days: Annotated[
        int, Query(ge=0, le=365, description="Due by now plus this many days")
    ] = 7,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[DueVisitRead]:
    now = runtime.now()
    query = select(KeyPerson).where(
        within_area(KeyPerson.area_code, principal),
        KeyPerson.status == "registered",
        KeyPerson.next_visit_due_at <= now + timedelta(days=due_within_days),
    )
    async with runtime.transaction() as session:
        page = await fetch_page(
            session,
            query,
            id_column=KeyPerson.id,
            cursor=cursor,
            limit=limit,
            item=lambda person: DueVisitRead.of(person, now),
        )
        audit(session, principal, "visit_list", [v.person_id for v in page.items], request, now)
    return page


@router.post(
    "/key-person-visits/{person_id}",
    response_model=DueVisitRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="Record a visit (走访); not found means lost contact (脱管), a signal",
)
async def record_due_visit(
    person_id: UUID,
    body: VisitCreate,
    principal: Visitor,
    runtime: RuntimeDep,
    request: Request,
) -> DueVisitRead:
    now = runtime.now()
    async with runtime.transaction() as session:
        person = await session.get(KeyPerson, person_id, with_for_update=True)
        if person is None or person.status != "registered":
            raise NotFound("key person", str(person_id))
        ensure_visible(principal, person.area_code, "key person", str(person_id))
        work = AlertWork(ALERTS, session, runtime.outbox, now)
        await record_visit(
            work, person, visitor=principal.subject, found=body.found, notes=body.notes
        )
        audit(session, principal, "visit", [person.id], request, now)
        return DueVisitRead.of(person, now)
