"""Registering and reading tickets (the intake use cases), each one unit of work."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, ensure_channel, mask_name, mask_phone
from pingan_common.events import (
    CallerSummary,
    Category,
    Channel,
    Location,
    TicketRegistered,
    TicketRegisteredData,
)
from pingan_common.ids import new_id
from pingan_common.problems import Forbidden, NotFound, ProblemError
from pingan_common.runtime import Runtime
from pingan_intake.classification import classify
from pingan_intake.models import IdempotencyKey, Ticket, TimelineEntry
from pingan_intake.numbering import next_ticket_number
from pingan_intake.places import PlaceResolver, ResolvedPlace
from pingan_intake.schemas import TicketCreate

CHANNELS_BY_ROLE: dict[str, frozenset[Channel]] = {
    "operator": frozenset({Channel.HOTLINE_12345, Channel.POLICE_110, Channel.WEB}),
    "grid_worker": frozenset({Channel.GRID_REPORT}),
    "dispatcher": frozenset(Channel),
    "admin": frozenset(Channel),
}


class _LostIdempotencyRace(Exception):
    """Another request with the same key committed first; its ticket is the answer."""


@dataclass(frozen=True)
class Registration:
    ticket: Ticket
    timeline: list[TimelineEntry]
    # False when an idempotent retry found the first ticket.
    created: bool = field(default=True)


async def register_ticket(
    runtime: Runtime, *, body: TicketCreate, principal: Principal, idempotency_key: str | None
) -> Registration:
    _check_channel(principal, body.channel)
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        earlier = await _earlier_registration(runtime, principal, idempotency_key, request_hash)
        if earlier is not None:
            return earlier
    try:
        async with runtime.transaction() as session:
            ticket, entry = await _create(session, runtime, body, principal)
            if idempotency_key:
                await _remember_key(
                    session, runtime, principal, idempotency_key, request_hash, ticket
                )
        return Registration(ticket, [entry], created=True)
    except _LostIdempotencyRace:
        earlier = await _earlier_registration(
            runtime, principal, idempotency_key or "", request_hash
        )
        assert earlier is not None
        return earlier


async def _earlier_registration(
    runtime: Runtime, principal: Principal, key: str, request_hash: str
) -> Registration | None:
    async with runtime.transaction(one_snapshot=True) as session:
        ticket = await _earlier_ticket(session, principal, key, request_hash)
        if ticket is None:
            return None
        return Registration(ticket, await timeline_of(session, ticket.id), created=False)


def _check_channel(principal: Principal, channel: Channel) -> None:
    if principal.kind == "api_client":
        ensure_channel(principal, channel)
        return
    allowed = set().union(*(CHANNELS_BY_ROLE.get(role, frozenset()) for role in principal.roles))
    if channel not in allowed:
        raise Forbidden(f"your role may not register tickets on channel {channel.value}")


async def _earlier_ticket(
    session: AsyncSession, principal: Principal, key: str, request_hash: str
) -> Ticket | None:
    row = await session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.principal == principal.subject, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise ProblemError(
            422,
            "Idempotency-Key reused",
            "this Idempotency-Key was already used with a different request body",
        )
    return await session.get(Ticket, row.ticket_id)


async def _remember_key(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    key: str,
    request_hash: str,
    ticket: Ticket,
) -> None:
    table = IdempotencyKey.__table__
    inserted = await session.scalar(
        insert(table)
        .values(
            principal=principal.subject,
            key=key,
            request_hash=request_hash,
            ticket_id=ticket.id,
            created_at=runtime.now(),
        )
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(table.c.id)
    )
    if inserted is None:
        raise _LostIdempotencyRace


async def _create(
    session: AsyncSession, runtime: Runtime, body: TicketCreate, principal: Principal
) -> tuple[Ticket, TimelineEntry]:
    settings = runtime.settings
    now = runtime.now()
    place = _resolve_place(runtime.state["places"], body, principal)
    ensure_area(principal, place.area_code)
    result = classify(body.description)
    urgency = body.urgency or result.urgency
    reported_at = body.reported_at or now
    if (reported_at - now).total_seconds() > settings.reported_at_max_skew_seconds:
        raise ProblemError(
            422,
            "Invalid report time",
            "reported_at lies in the future",
            errors=[{"field": "body.reported_at", "message": "in the future", "type": "future"}],
        )
    ticket = Ticket(
        id=new_id(),
        ticket_number=await next_ticket_number(
            session, prefix=settings.ticket_number_prefix, now=now, timezone=settings.local_timezone
        ),
        channel=body.channel.value,
        status="registered",
        description=body.description,
        caller_name=body.caller.name,
        caller_phone=body.caller.phone,
        address=body.location.address,
        lon=body.location.lon,
        lat=body.location.lat,
        grid_code=place.grid_code,
        village_code=place.village_code,
        township_code=place.township_code,
        area_code=place.area_code,
        location_resolved=place.resolved,
        category_group=result.group.value,
        category_code=result.code,
        category_label=result.label,
        urgency=urgency.value,
        disposition=result.disposition.value,
        dispositions=[d.value for d in result.dispositions],
        risk_level=result.risk_level.value if result.risk_level else None,
        external_ref=body.external_ref,
        reported_at=reported_at,
        registered_at=now,
        registered_by=principal.subject,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    entry = _registered_entry(ticket)
    session.add(entry)
    await runtime.publish(session, _registered_event(ticket, settings.phone_hash_key))
    return ticket, entry


def _resolve_place(
    places: PlaceResolver, body: TicketCreate, principal: Principal
) -> ResolvedPlace:
    location = body.location
    grid_code = location.grid_code
    if grid_code and not places.known_grid(grid_code):
        raise ProblemError(
            422,
            "Unknown grid",
            f"grid {grid_code} is not a grid of this county",
            errors=[
                {"field": "body.location.grid_code", "message": "unknown grid", "type": "unknown"}
            ],
        )
    has_place = grid_code or location.lon is not None or location.address
    if (
        not has_place
        and "grid_worker" in principal.roles
        and places.known_grid(principal.area_code)
    ):
        grid_code = principal.area_code
    return places.resolve(
        grid_code=grid_code, lon=location.lon, lat=location.lat, address=location.address
    )


def _registered_entry(ticket: Ticket) -> TimelineEntry:
    return TimelineEntry(
        ticket_id=ticket.id,
        at=ticket.registered_at,
        step="registered",
        service="intake",
        summary=f"受理登记：{ticket.category_label}，处置方式 {'、'.join(ticket.dispositions)}",
        details={"channel": ticket.channel, "area_code": ticket.area_code},
    )


def _registered_event(ticket: Ticket, phone_hash_key: str) -> TicketRegistered:
    data = TicketRegisteredData(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        description=ticket.description,
        category=Category(
            group=ticket.category_group, code=ticket.category_code, label=ticket.category_label
        ),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        dispositions=ticket.dispositions,
        risk_level=ticket.risk_level,
        location=Location(
            address=ticket.address,
            lon=ticket.lon,
            lat=ticket.lat,
            grid_code=ticket.grid_code,
            village_code=ticket.village_code,
            township_code=ticket.township_code,
            resolved=ticket.location_resolved,
        ),
        area_code=ticket.area_code,
        caller=CallerSummary(
            name_masked=mask_name(ticket.caller_name),
            phone_masked=mask_phone(ticket.caller_phone),
            phone_hash=_phone_hash(ticket.caller_phone, phone_hash_key),
        ),
        reported_at=ticket.reported_at,
        registered_at=ticket.registered_at,
        registered_by=ticket.registered_by,
        external_ref=ticket.external_ref,
    )
    return TicketRegistered.create(
        data, subject=str(ticket.id), correlationid=str(ticket.id), time=ticket.registered_at
    )


def _phone_hash(phone: str | None, key: str) -> str | None:
    if not phone:
        return None
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


async def find_ticket(session: AsyncSession, ticket_ref: str) -> Ticket:
    """By UUID or by ticket number (what a citizen reads out on the phone)."""
    try:
        ticket = await session.get(Ticket, UUID(ticket_ref))
    except ValueError:
        ticket = await session.scalar(select(Ticket).where(Ticket.ticket_number == ticket_ref))
    if ticket is None:
        raise NotFound("ticket", ticket_ref)
    return ticket


async def timeline_of(session: AsyncSession, ticket_id: UUID) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.ticket_id == ticket_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list(rows)
