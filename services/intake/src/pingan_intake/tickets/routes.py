"""Reading tickets under /v1: one by id or number, searches and their CSV export, a matter's
callers, and a caller's contact for notify. Values are masked unless asked for with a reason by
a role that may unmask; every clear read is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, Role, ensure_visible, require
from pingan_common.events import CategoryGroup, Channel, Urgency
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import Forbidden, NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_intake.inputs.phones import normalise_phone, to_e164
from pingan_intake.inputs.text import CleanText
from pingan_intake.models import Ticket
from pingan_intake.state import intake_state
from pingan_intake.tickets import audit, csv_export
from pingan_intake.tickets.lookup import find_ticket, master_of
from pingan_intake.tickets.presentation import ticket_callers, ticket_read, ticket_summary
from pingan_intake.tickets.schemas import (
    CallerContact,
    RepeatFlag,
    TicketCallers,
    TicketRead,
    TicketRef,
    TicketSummary,
)
from pingan_intake.tickets.search import (
    TicketFilters,
    after_cursor,
    check_range,
    cursor_after,
    search_query,
)
from pingan_intake.timeline.entries import timeline_of

router = APIRouter(prefix="/v1", tags=["tickets"])

Reader = Annotated[Principal, Depends(require(*Role, allow_api_key=True))]
StaffReader = Annotated[Principal, Depends(require(*Role))]
ContactReader = Annotated[Principal, Depends(require("operator", "dispatcher", allow_api_key=True))]
Reason = Annotated[
    CleanText | None,
    Query(
        min_length=2,
        max_length=200,
        description="Why you need the clear personal data (audited); without it values are masked",
    ),
]
CSV_BATCH = 500
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def ticket_filters(
    registered_from: Annotated[
        AwareDatetime | None, Query(alias="from", description="Registered at or after")
    ] = None,
    registered_to: Annotated[
        AwareDatetime | None, Query(alias="to", description="Registered before")
    ] = None,
    channel: Channel | None = None,
    group: CategoryGroup | None = None,
    code: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_]+$")] = None,
    status: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    urgency: Urgency | None = None,
    township: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    grid: Annotated[str | None, Query(pattern=r"^\d{14}$")] = None,
    area_code: Annotated[str | None, Query(pattern=r"^\d{6,14}$")] = None,
    caller_phone: Annotated[
        str | None,
        Query(max_length=32, description="Operators and dispatchers only, with a reason"),
    ] = None,
    repeat_flag: Annotated[
        RepeatFlag | None, Query(description="Repeat calls (重复来电): repeat or third_call")
    ] = None,
    merged_into: Annotated[
        UUID | None, Query(description="The calls merged into this master ticket (by id)")
    ] = None,
    master: Annotated[
        bool | None, Query(description="true: tickets with merged callers (并单); false: without")
    ] = None,
) -> TicketFilters:
    filters = TicketFilters(
        registered_from=registered_from,
        registered_to=registered_to,
        channel=channel.value if channel else None,
        group=group.value if group else None,
        code=code,
        status=status,
        urgency=urgency.value if urgency else None,
        township=township,
        grid=grid,
        area_code=area_code,
        caller_phone=_phone_filter(caller_phone),
        repeat_flag=repeat_flag,
        merged_into=merged_into,
        master=master,
    )
    check_range(filters)
    return filters


def _phone_filter(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return normalise_phone(raw)
    except ValueError as error:
        raise UnprocessableEntity(
            "caller_phone is not a phone number",
            [{"field": "query.caller_phone", "message": str(error), "type": "value_error"}],
        ) from None


Filters = Annotated[TicketFilters, Depends(ticket_filters)]


@router.get(
    "/tickets",
    response_model=Page[TicketSummary],
    responses={
        **problem_responses(400, 401, 403, 422),
        200: {"content": {"text/csv": {}}, "description": "JSON page, or CSV for Accept: text/csv"},
    },
    summary="Search tickets in your area, newest first (CSV with Accept: text/csv)",
)
async def list_tickets(
    request: Request,
    principal: Reader,
    runtime: RuntimeDep,
    filters: Filters,
    reason: Reason = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[TicketSummary] | StreamingResponse:
    await _audit_phone_search(runtime, principal, filters, reason)
    if "text/csv" in request.headers.get("accept", ""):
        return _csv_response(runtime, principal, filters)
    query = after_cursor(search_query(principal, filters), cursor).limit(limit + 1)
    async with runtime.transaction() as session:
        tickets = list(await session.scalars(query))
    next_cursor = cursor_after(tickets[limit - 1]) if len(tickets) > limit else None
    return Page(items=[ticket_summary(t) for t in tickets[:limit]], next_cursor=next_cursor)


@router.get(
    "/tickets.csv",
    response_class=StreamingResponse,
    responses={
        **problem_responses(401, 403, 422),
        200: {"content": {"text/csv": {}}, "description": "Tickets, masked"},
    },
    summary="Export the tickets of a search as CSV (masked, streamed)",
)
async def export_tickets(
    principal: Reader, runtime: RuntimeDep, filters: Filters, reason: Reason = None
) -> StreamingResponse:
    await _audit_phone_search(runtime, principal, filters, reason)
    return _csv_response(runtime, principal, filters)


async def _audit_phone_search(
    runtime: Runtime, principal: Principal, filters: TicketFilters, reason: str | None
) -> None:
    if filters.caller_phone is None:
        return
    audit.check_phone_search(principal, reason)
    assert reason is not None
    await audit.record_reads(
        runtime, principal, [(None, ["caller_phone"])], reason=reason, access="phone_search"
    )


def _csv_response(
    runtime: Runtime, principal: Principal, filters: TicketFilters
) -> StreamingResponse:
    return StreamingResponse(
        csv_export.stream(csv_export.header(), _batches(runtime, principal, filters)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
    )


async def _batches(
    runtime: Runtime, principal: Principal, filters: TicketFilters
) -> AsyncIterator[list[Ticket]]:
    """Keyset batches, each in its own short transaction: no long-held snapshot."""
    cursor = None
    while True:
        query = after_cursor(search_query(principal, filters), cursor).limit(CSV_BATCH)
        async with runtime.transaction() as session:
            batch = list(await session.scalars(query))
        if not batch:
            return
        yield batch
        cursor = cursor_after(batch[-1])


@router.get(
    "/tickets/{ticket_ref}",
    response_model=TicketRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="A ticket with its status and timeline, by id or ticket number",
)
async def get_ticket(
    ticket_ref: TicketRef,
    principal: Reader,
    runtime: RuntimeDep,
    reason: Reason = None,
) -> TicketRead:
    clear = audit.wants_clear_values(principal, reason)
    async with runtime.transaction(one_snapshot=True) as session:
        ticket = await _visible_ticket(session, ticket_ref, principal)
        timeline = await timeline_of(session, ticket.id)
        master = await master_of(session, ticket)
    if clear:
        assert reason is not None
        fields = audit.personal_fields(ticket)
        await audit.record_reads(
            runtime, principal, [(ticket.id, fields)], reason=reason, access="ticket_read"
        )
    return ticket_read(ticket, timeline, clear=clear, master=master)


@router.get(
    "/tickets/{ticket_ref}/callers",
    response_model=TicketCallers,
    responses=problem_responses(401, 403, 404, 422),
    summary="Every caller on a matter (并单): the master's and the calls merged into it",
)
async def list_callers(
    ticket_ref: TicketRef,
    principal: StaffReader,
    runtime: RuntimeDep,
    reason: Reason = None,
) -> TicketCallers:
    """For a merged call, the callers of the master it was merged into. Masked unless asked
    with a reason by a role that may unmask; each clear read is audited, one row per ticket."""
    clear = audit.wants_clear_values(principal, reason)
    async with runtime.transaction(one_snapshot=True) as session:
        ticket = await _visible_ticket(session, ticket_ref, principal)
        master = await master_of(session, ticket) or ticket
        ensure_visible(principal, master.area_code, "ticket", ticket_ref)
        merged = list(
            await session.scalars(
                select(Ticket)
                .where(Ticket.master_ticket_id == master.id)
                .order_by(Ticket.registered_at, Ticket.id)
            )
        )
    if clear:
        assert reason is not None
        reads = [(t.id, audit.personal_fields(t)) for t in (master, *merged)]
        await audit.record_reads(runtime, principal, reads, reason=reason, access="callers_read")
    return ticket_callers(master, merged, clear=clear)


async def _visible_ticket(session: AsyncSession, ticket_ref: str, principal: Principal) -> Ticket:
    ticket = await find_ticket(session, ticket_ref)
    # A system learns nothing of tickets it did not submit, not even that they exist.
    if principal.kind == "api_client" and ticket.registered_by != principal.subject:
        raise NotFound("ticket", ticket_ref)
    ensure_visible(principal, ticket.area_code, "ticket", ticket_ref)
    return ticket


@router.get(
    "/tickets/{ticket_ref}/caller-contact",
    response_model=CallerContact,
    responses=problem_responses(401, 403, 404, 422),
    summary="The caller's clear phone and name, to reach them (notify service; audited)",
)
async def caller_contact(
    ticket_ref: TicketRef,
    principal: ContactReader,
    runtime: RuntimeDep,
    reason: Annotated[CleanText, Query(min_length=2, max_length=200, description="Why (audited)")],
) -> CallerContact:
    await _check_contact_reader(runtime, principal)
    async with runtime.transaction() as session:
        ticket = await find_ticket(session, ticket_ref)
        ensure_visible(principal, ticket.area_code, "ticket", ticket_ref)
    fields = [f for f in audit.personal_fields(ticket) if f != "caller_id_number"]
    await audit.record_reads(
        runtime, principal, [(ticket.id, fields)], reason=reason, access="caller_contact"
    )
    phone = ticket.caller_phone
    return CallerContact(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        phone=to_e164(phone) if phone else None,
        phone_national=phone,
        name=ticket.caller_name,
    )


async def _check_contact_reader(runtime: Runtime, principal: Principal) -> None:
    if principal.kind != "api_client":
        return  # operators and dispatchers, by role
    scopes = await intake_state(runtime).api_clients.scopes(principal)
    if audit.CALLER_CONTACT_SCOPE not in scopes:
        raise Forbidden("this client may not read callers' contacts")
