"""会商研判 meetings and warning bulletins (预警通报) over REST.

A meeting records who attended, the matters discussed and the decisions with their owners.
A bulletin goes to chosen units (their inbox) and areas (their grid workers), all inside the
issuer's area; ``bulletin.issued`` on ``riskassess.alerts.v1`` is what notify delivers. Its
number is ``YJTB`` + the county day + a sequence of that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, ensure_visible, require
from pingan_common.county_time import COUNTY_TZ, county_date
from pingan_common.events.riskassess_bulletins import BulletinIssued, BulletinIssuedData
from pingan_common.idempotency import IdempotencyKeyHeader, IdempotentRequest, claim
from pingan_common.ids import new_id
from pingan_common.numbering import document_number
from pingan_common.problems import NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_riskassess.analysis.schemas import (
    BulletinCreate,
    BulletinRead,
    MeetingCreate,
    MeetingRead,
)
from pingan_riskassess.models import AnalysisMeeting, Bulletin, idempotency_records

router = APIRouter(prefix="/v1/analysis", tags=["situation analysis"])

Staff = Annotated[Principal, Depends(require("analyst", "leader", "admin"))]
BULLETIN_PREFIX = "YJTB"


def _invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        message, errors=[{"field": field, "message": message, "type": "value_error"}]
    )


@router.post(
    "/meetings",
    response_model=MeetingRead,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
    summary="Record a 会商研判 meeting: attendees, matters discussed, decisions with owners",
)
async def record_meeting(
    body: MeetingCreate,
    principal: Staff,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MeetingRead:
    ensure_area(principal, body.area_code)
    now = runtime.now()
    meeting_id = new_id()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="meeting.create", principal=principal, body=body
    )
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=meeting_id, now=now
            )
            if earlier is not None:
                response.status_code = 200
                found = await session.get(AnalysisMeeting, UUID(earlier))
                assert found is not None
                return MeetingRead.model_validate(found)
        meeting = AnalysisMeeting(
            id=meeting_id,
            area_code=body.area_code,
            held_on=body.held_on,
            attendees=body.attendees,
            matters=body.matters,
            decisions=[d.model_dump(mode="json") for d in body.decisions],
            recorded_by=principal.subject,
            created_at=now,
        )
        session.add(meeting)
        await session.flush()
        return MeetingRead.model_validate(meeting)


@router.get(
    "/meetings",
    response_model=list[MeetingRead],
    responses=problem_responses(401, 403, 422),
    summary="The 会商研判 meetings held in a period, in your area",
)
async def list_meetings(
    principal: Staff,
    runtime: RuntimeDep,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
) -> list[MeetingRead]:
    if period_to < period_from:
        raise _invalid("query.to", "the period must run forwards")
    async with runtime.transaction() as session:
        rows = await session.scalars(
            select(AnalysisMeeting)
            .where(
                AnalysisMeeting.held_on >= period_from,
                AnalysisMeeting.held_on <= period_to,
                within_area(AnalysisMeeting.area_code, principal),
            )
            .order_by(AnalysisMeeting.held_on, AnalysisMeeting.created_at)
            .limit(500)
        )
        return [MeetingRead.model_validate(m) for m in rows]


def _targets_inside(body: BulletinCreate) -> None:
    """Every unit and area told lies inside the issuer's area; and someone is told."""
    if not body.unit_codes and not body.area_codes:
        raise _invalid("body.unit_codes", "name at least one unit or area to tell")
    for index, code in enumerate(body.unit_codes):
        if not code.split("-", 1)[0].startswith(body.area_code):
            raise _invalid(f"body.unit_codes.{index}", "this unit is outside the bulletin's area")
    for index, code in enumerate(body.area_codes):
        if not code.startswith(body.area_code):
            raise _invalid(f"body.area_codes.{index}", "this area is outside the bulletin's area")


async def _next_number(session: AsyncSession, now: datetime) -> str:
    # One numbering per county day: serialise the issuers of a day, then count that day's.
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('riskassess-bulletins'))"))
    day = county_date(now)
    start = datetime.combine(day, time.min, COUNTY_TZ)
    issued = await session.scalar(
        select(func.count()).where(
            Bulletin.issued_at >= start, Bulletin.issued_at < start + timedelta(days=1)
        )
    )
    return document_number(BULLETIN_PREFIX, now, (issued or 0) + 1, digits=4)


@router.post(
    "/bulletins",
    response_model=BulletinRead,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Issue a warning bulletin (预警通报) to units and areas; notify delivers it",
)
async def issue_bulletin(
    body: BulletinCreate,
    principal: Staff,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> BulletinRead:
    ensure_area(principal, body.area_code)
    _targets_inside(body)
    now = runtime.now()
    bulletin_id = new_id()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="bulletin.create", principal=principal, body=body
    )
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=bulletin_id, now=now
            )
            if earlier is not None:
                response.status_code = 200
                found = await session.get(Bulletin, UUID(earlier))
                assert found is not None
                return BulletinRead.model_validate(found)
        if body.meeting_id is not None:
            meeting = await session.get(AnalysisMeeting, body.meeting_id)
            if meeting is None:
                raise NotFound("meeting", str(body.meeting_id))
            ensure_visible(principal, meeting.area_code, "meeting", str(body.meeting_id))
        bulletin = Bulletin(
            id=bulletin_id,
            number=await _next_number(session, now),
            level=body.level.value,
            title=body.title,
            body=body.body,
            area_code=body.area_code,
            unit_codes=list(dict.fromkeys(body.unit_codes)),
            area_codes=list(dict.fromkeys(body.area_codes)),
            meeting_id=body.meeting_id,
            issued_by=principal.subject,
            issued_at=now,
        )
        session.add(bulletin)
        await session.flush()
        event = BulletinIssued.create(
            BulletinIssuedData(
                bulletin_id=bulletin.id,
                bulletin_number=bulletin.number,
                level=body.level,
                title=bulletin.title,
                body=bulletin.body,
                area_code=bulletin.area_code,
                unit_codes=bulletin.unit_codes,
                area_codes=bulletin.area_codes,
                issued_by=principal.subject,
                issued_at=now,
                meeting_id=bulletin.meeting_id,
            ),
            subject=str(bulletin.id),
            correlationid=str(bulletin.id),
            time=now,
        )
        await runtime.outbox.add(session, event)
        return BulletinRead.model_validate(bulletin)


@router.get(
    "/bulletins",
    response_model=list[BulletinRead],
    responses=problem_responses(401, 403, 422),
    summary="The bulletins issued in a period, in your area",
)
async def list_bulletins(
    principal: Staff,
    runtime: RuntimeDep,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
) -> list[BulletinRead]:
    if period_to < period_from:
        raise _invalid("query.to", "the period must run forwards")
    start = datetime.combine(period_from, time.min, COUNTY_TZ)
    end = datetime.combine(period_to + timedelta(days=1), time.min, COUNTY_TZ)
    async with runtime.transaction() as session:
        rows = await session.scalars(
            select(Bulletin)
            .where(
                Bulletin.issued_at >= start,
                Bulletin.issued_at < end,
                within_area(Bulletin.area_code, principal),
            )
            .order_by(Bulletin.issued_at)
            .limit(500)
        )
        return [BulletinRead.model_validate(b) for b in rows]
