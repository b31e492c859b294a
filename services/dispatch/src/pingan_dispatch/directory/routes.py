"""The org directory's REST API: units, staff, on-duty rosters. Any staff user reads; admins
change what lies in their own area, and every change is published on ``dispatch.directory.v1``.

A staff member's mobile is shown in clear only to those who contact or maintain staff in that
area (dispatchers and admins whose scope covers it); everyone else sees it masked (issue 12)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Select, any_, tuple_
from sqlalchemy import select as sql_select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import CurrentPrincipal, Principal, ensure_area, mask_phone, require
from pingan_common.pagination import (
    DEFAULT_LIMIT,
    Page,
    PageLimit,
    cursor_field,
    decode_cursor,
    encode_cursor,
    fetch_page,
    where_given,
)
from pingan_common.problems import Conflict, NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_dispatch.directory.publisher import DirectoryPublisher, contacts_of
from pingan_dispatch.directory.schemas import (
    RosterRead,
    RosterWrite,
    ShiftRead,
    StaffRead,
    StaffWrite,
    UnitDetail,
    UnitRead,
    UnitRef,
    UnitWrite,
)
from pingan_dispatch.directory.service import (
    STAFF_FIELDS,
    UNIT_FIELDS,
    DirectoryInvalid,
    Saved,
    VersionConflict,
    children_count,
    county_day,
    save_roster,
    save_staff,
    save_unit,
)
from pingan_dispatch.models import Roster, StaffEntry, Unit

router = APIRouter(prefix="/v1/directory", tags=["directory"])

Admin = Annotated[Principal, Depends(require("admin"))]


# --- units ---------------------------------------------------------------------------------------


def unit_read(unit: Unit) -> UnitRead:
    return UnitRead.model_validate(
        {**_columns(unit), "contacts": contacts_of(unit)}, from_attributes=False
    )


@router.get(
    "/units",
    response_model=Page[UnitRead],
    responses=problem_responses(400, 401),
    summary="Units in code order; filter by kind, parent, area (prefix) and active",
)
async def list_units(
    _: CurrentPrincipal,
    runtime: RuntimeDep,
    kind: str | None = None,
    parent: str | None = None,
    area: Annotated[str | None, Query(description="Units whose area starts with this")] = None,
    active: bool | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[UnitRead]:
    equal = {Unit.kind: kind, Unit.parent_code: parent, Unit.active: active}
    query = _in_area(where_given(sql_select(Unit), equal), Unit.area_code, area)
    async with runtime.transaction() as session:
        return await fetch_page(
            session,
            query,
            id_column=Unit.code,
            cursor_key="code",
            parse=str,
            cursor=cursor,
            limit=limit,
            item=unit_read,
        )


@router.get(
    "/units/{code}",
    response_model=UnitDetail,
    responses=problem_responses(401, 404),
    summary="A unit with its children count, supervisor, contacts and today's on-duty roster",
)
async def get_unit(code: str, _: CurrentPrincipal, runtime: RuntimeDep) -> UnitDetail:
    async with runtime.transaction(one_snapshot=True) as session:
        unit = await session.get(Unit, code)
        if unit is None:
            raise NotFound("unit", code)
        supervisor = await session.get(Unit, unit.supervisor_code) if unit.supervisor_code else None
        return UnitDetail(
            **unit_read(unit).model_dump(),
            children_count=await children_count(session, code),
            supervisor=UnitRef(code=supervisor.code, name=supervisor.name) if supervisor else None,
            on_duty_today=await _shifts_today(session, code, runtime.now()),
        )


@router.put(
    "/units/{code}",
    response_model=UnitRead,
    status_code=200,
    responses={201: {"description": "Created"}, **problem_responses(401, 403, 409, 422)},
    summary="Create or replace a unit (admin); validated, versioned and published",
)
async def put_unit(
    code: str, body: UnitWrite, admin: Admin, runtime: RuntimeDep, response: Response
) -> UnitRead:
    fields = body.model_dump(include=set(UNIT_FIELDS))
    version = body.expected_version
    guard = _areas_guard(admin, Unit, code, body.area_code)
    unit = await _save(
        runtime, response, save_unit, code, fields, expected_version=version, guard=guard
    )
    return unit_read(unit)


# --- staff ---------------------------------------------------------------------------------------


@router.get(
    "/staff",
    response_model=Page[StaffRead],
    responses=problem_responses(400, 401),
    summary="Staff in user-id order; filter by unit, role, area (prefix) and active",
)
async def list_staff(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    unit: str | None = None,
    role: str | None = None,
    area: str | None = None,
    active: bool | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[StaffRead]:
    equal = {StaffEntry.unit_code: unit, StaffEntry.active: active}
    query = _in_area(where_given(sql_select(StaffEntry), equal), StaffEntry.area_code, area)
    if role is not None:
        query = query.where(any_(StaffEntry.roles) == role)
    async with runtime.transaction() as session:
        return await fetch_page(
            session,
            query,
            id_column=StaffEntry.user_id,
            parse=str,
            cursor=cursor,
            limit=limit,
            item=lambda member: staff_read(member, principal),
        )


@router.get(
    "/staff/{user_id}",
    response_model=StaffRead,
    responses=problem_responses(401, 404),
    summary="One staff member",
)
async def get_staff(user_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> StaffRead:
    async with runtime.transaction() as session:
        member = await session.get(StaffEntry, user_id)
        if member is None:
            raise NotFound("staff member", user_id)
        return staff_read(member, principal)


@router.put(
    "/staff/{user_id}",
    response_model=StaffRead,
    responses={201: {"description": "Created"}, **problem_responses(401, 403, 409, 422)},
    summary="Create or replace a staff member (admin); versioned and published",
)
async def put_staff(
    user_id: str, body: StaffWrite, admin: Admin, runtime: RuntimeDep, response: Response
) -> StaffRead:
    fields = body.model_dump(include=set(STAFF_FIELDS))
    version = body.expected_version
    guard = _areas_guard(admin, StaffEntry, user_id, body.area_code)
    member = await _save(
        runtime, response, save_staff, user_id, fields, expected_version=version, guard=guard
    )
    return staff_read(member, admin)


def staff_read(member: StaffEntry, reader: Principal) -> StaffRead:
    read = StaffRead.model_validate(member)
    if reader.has_role("dispatcher", "admin") and reader.covers_area(member.area_code):
        return read
    return read.model_copy(update={"phone": mask_phone(read.phone)})


# --- rosters -------------------------------------------------------------------------------------


@router.get(
    "/rosters",
    response_model=Page[RosterRead],
    responses=problem_responses(400, 401),
    summary="On-duty rosters (值班表) by day then unit; filter by unit and day",
)
async def list_rosters(
    _: CurrentPrincipal,
    runtime: RuntimeDep,
    unit: str | None = None,
    day: date | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[RosterRead]:
    query = where_given(sql_select(Roster), {Roster.unit_code: unit, Roster.day: day})
    position = decode_cursor(cursor)
    if position:
        after = (
            cursor_field(position, "day", date.fromisoformat),
            cursor_field(position, "unit", str),
        )
        query = query.where(tuple_(Roster.day, Roster.unit_code) > after)
    async with runtime.transaction() as session:
        rows = list(
            await session.scalars(query.order_by(Roster.day, Roster.unit_code).limit(limit + 1))
        )
        names = await _staff_names(session, rows)
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"day": last.day.isoformat(), "unit": last.unit_code})
    return Page(items=[roster_read(r, names) for r in rows[:limit]], next_cursor=next_cursor)


@router.put(
    "/rosters/{unit_code}/{day}",
    response_model=RosterRead,
    responses={201: {"description": "Created"}, **problem_responses(401, 403, 409, 422)},
    summary="Set a unit's on-duty roster for a day (admin); versioned and published",
)
async def put_roster(
    unit_code: str,
    day: date,
    body: RosterWrite,
    admin: Admin,
    runtime: RuntimeDep,
    response: Response,
) -> RosterRead:
    shifts = [shift.model_dump() for shift in body.shifts]
    version = body.expected_version
    guard = _areas_guard(admin, Unit, unit_code, None)
    roster = await _save(
        runtime,
        response,
        save_roster,
        unit_code,
        day,
        shifts,
        expected_version=version,
        guard=guard,
    )
    return roster_read(roster, {})


def roster_read(roster: Roster, names: dict[str, str]) -> RosterRead:
    return RosterRead(
        unit_code=roster.unit_code,
        day=roster.day,
        shifts=[ShiftRead(**shift, name=names.get(shift["user_id"])) for shift in roster.shifts],
        generated=roster.generated,
        version=roster.version,
        changed_at=roster.changed_at,
    )


# --- helpers -------------------------------------------------------------------------------------


async def _save(
    runtime: Runtime,
    response: Response,
    save: Callable[..., Awaitable[Saved]],
    *arguments: Any,
    expected_version: int | None,
    guard: Guard,
) -> Any:
    """Run ``guard`` then ``save`` (``save_unit``, ``save_staff``, ``save_roster``) and its
    events in one transaction; map domain errors; answer 201 if it created the entry."""
    try:
        async with runtime.transaction() as session:
            await guard(session)
            publisher = DirectoryPublisher.in_transaction(runtime, session)
            saved = await save(
                session,
                *arguments,
                now=publisher.now,
                publisher=publisher,
                expected_version=expected_version,
            )
    except DirectoryInvalid as error:
        raise UnprocessableEntity(
            str(error),
            errors=[
                {"field": p.field, "message": p.message, "type": "directory_rule"}
                for p in error.problems
            ],
        ) from error
    except VersionConflict as error:
        raise Conflict(str(error), current_version=error.actual) from error
    response.status_code = 201 if saved.created else 200
    return saved.entry


Guard = Callable[[AsyncSession], Awaitable[None]]


def _areas_guard(admin: Principal, model: type[Any], key: str, new_area: str | None) -> Guard:
    """403 unless the admin's scope covers the entry's area now and the area it is given: a
    township's admin maintains that township's units, staff and rosters, not another's."""

    async def guard(session: AsyncSession) -> None:
        if new_area is not None:
            ensure_area(admin, new_area)
        existing = await session.get(model, key, with_for_update=True)
        if existing is not None:
            ensure_area(admin, existing.area_code)

    return guard


def _in_area(query: Select[Any], column: Any, area: str | None) -> Select[Any]:
    """Entries whose area code starts with ``area``; all of them when it is left out."""
    if area is None:
        return query
    return query.where(column.startswith(area, autoescape=True))


async def _shifts_today(session: AsyncSession, unit_code: str, now: datetime) -> list[ShiftRead]:
    """Shifts of the county day that ``now`` falls in, including last night's still running."""
    today = county_day(now)
    rows = list(
        await session.scalars(
            sql_select(Roster)
            .where(Roster.unit_code == unit_code, Roster.day.in_((today - timedelta(1), today)))
            .order_by(Roster.day)
        )
    )
    names = await _staff_names(session, rows)
    shifts = [
        shift
        for roster in rows
        for shift in roster_read(roster, names).shifts
        if roster.day == today or shift.ends_at > now
    ]
    return shifts


async def _staff_names(session: AsyncSession, rosters: list[Roster]) -> dict[str, str]:
    ids = {shift["user_id"] for roster in rosters for shift in roster.shifts}
    if not ids:
        return {}
    rows = await session.execute(
        sql_select(StaffEntry.user_id, StaffEntry.name).where(StaffEntry.user_id.in_(ids))
    )
    return {key: value for key, value in rows.tuples()}


def _columns(entry: Any) -> dict[str, Any]:
    return {column.key: getattr(entry, column.key) for column in entry.__table__.columns}
