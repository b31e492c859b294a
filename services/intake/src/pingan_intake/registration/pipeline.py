"""Registering and reading tickets (the intake use cases), each one unit of work."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, ensure_channel
from pingan_common.events import (
    CategoryGroup,
    Channel,
    Disposition,
    EventEnvelope,
    TicketRegistered,
    Urgency,
)
from pingan_common.events.intake import TicketMerged, TicketTransferredToPolice
from pingan_common.ids import new_id
from pingan_common.problems import Forbidden, NotFound, ProblemError, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake.classification.classifier import (
    Classification,
    classification_for_override,
    classify,
)
from pingan_intake.duplicates.gate import duplicates_gate, merged_event_data, next_number_and_lock
from pingan_intake.models import IdempotencyKey, Ticket, TimelineEntry
from pingan_intake.places.resolver import PlaceResolver, ResolvedPlace
from pingan_intake.police import linkage as police
from pingan_intake.registration.numbering import ticket_number
from pingan_intake.state import intake_state
from pingan_intake.tickets.event_data import registered_data
from pingan_intake.tickets.schemas import TicketCreate

E = TypeVar("E", bound=EventEnvelope)

CHANNELS_BY_ROLE: dict[str, frozenset[Channel]] = {
    "operator": frozenset({Channel.HOTLINE_12345, Channel.POLICE_110, Channel.WEB}),
    "grid_worker": frozenset({Channel.GRID_REPORT}),
    "dispatcher": frozenset(Channel),
    "admin": frozenset(Channel),
}


# Text, not the dialect's insert(): ON CONFLICT statements are compiled again on every call
# (no cache key), which costs more than the insert itself at hundreds a second.
_REMEMBER_KEY = text(
    "INSERT INTO idempotency_keys (principal, key, request_hash, ticket_id, created_at)"
    " VALUES (:principal, :key, :request_hash, :ticket_id, :created_at)"
    " ON CONFLICT (principal, key) DO NOTHING RETURNING id"
)


class _LostIdempotencyRace(Exception):
    """Another request with the same key committed first; its ticket is the answer."""


@dataclass(frozen=True)
class Registration:
    ticket: Ticket
    timeline: list[TimelineEntry]
    # False when an idempotent retry found the first ticket.
    created: bool = field(default=True)
    # The master the call was merged into (并单), if it was.
    master: Ticket | None = None


async def register_ticket(
    runtime: Runtime, *, body: TicketCreate, principal: Principal, idempotency_key: str | None
) -> Registration:
    _check_channel(principal, body.channel)
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    try:
        async with runtime.transaction() as session:
            if idempotency_key:
                # In the registering transaction: a retry costs one lookup, a first try too.
                earlier = await _earlier_ticket(session, principal, idempotency_key, request_hash)
                if earlier is not None:
                    return await _registration_of(session, earlier)
            ticket, entries, master = await _create(session, runtime, body, principal)
            if idempotency_key:
                await _remember_key(
                    session, runtime, principal, idempotency_key, request_hash, ticket
                )
        return Registration(ticket, entries, created=True, master=master)
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
        return await _registration_of(session, ticket)


async def _registration_of(session: AsyncSession, ticket: Ticket) -> Registration:
    """An earlier registration as a retry answers it."""
    return Registration(
        ticket,
        await timeline_of(session, ticket.id),
        created=False,
        master=await master_of(session, ticket),
    )


async def master_of(session: AsyncSession, ticket: Ticket) -> Ticket | None:
    """The ticket this one is merged into, if any."""
    if ticket.master_ticket_id is None:
        return None
    return await session.get(Ticket, ticket.master_ticket_id)


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
        raise idempotency_key_reused()
    return await session.get(Ticket, row.ticket_id)


def idempotency_key_reused() -> ProblemError:
    """The one answer to a retry whose body differs from the first request's."""
    return ProblemError(
        422,
        "Idempotency-Key reused",
        "this Idempotency-Key was already used with a different request",
        errors=[{"field": "header.Idempotency-Key", "message": "reused", "type": "reused"}],
    )


async def _remember_key(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    key: str,
    request_hash: str,
    ticket: Ticket,
) -> None:
    inserted = await session.scalar(
        _REMEMBER_KEY,
        {
            "principal": principal.subject,
            "key": key,
            "request_hash": request_hash,
            "ticket_id": ticket.id,
            "created_at": runtime.now(),
        },
    )
    if inserted is None:
        raise _LostIdempotencyRace


async def _create(
    session: AsyncSession, runtime: Runtime, body: TicketCreate, principal: Principal
) -> tuple[Ticket, list[TimelineEntry], Ticket | None]:
    settings = runtime.settings
    now = runtime.now()
    _check_channel_fields(body)
    _check_times(body, now, settings.reported_at_max_skew_seconds)
    place = _resolve_place(intake_state(runtime).places, body, principal)
    ensure_area(principal, place.area_code)
    result = _classification(body)
    ticket = _new_ticket(body, principal, place, result, now)
    sequence = await next_number_and_lock(session, ticket)
    ticket.ticket_number = ticket_number(
        settings.ticket_number_prefix, now, settings.local_timezone, sequence
    )
    entries = [_registered_entry(ticket)]
    session.add_all([ticket, entries[0]])
    # One flush for all the registration writes (ticket, timeline, master): the gate reads
    # first, with the new ticket still pending; the registered entry precedes the gate's.
    with session.no_autoflush:
        outcome = await duplicates_gate(
            session, ticket, now, rules=intake_state(runtime).duplicate_rules, locked=True
        )
    entries.extend(outcome.entries)
    await session.flush()
    if outcome.merged_into is not None:
        merged = merged_event_data(ticket, outcome, now)
        await runtime.publish(session, _event(TicketMerged, merged, ticket))
    else:
        registered = registered_data(ticket, settings.phone_hash_key)
        await runtime.publish(session, _event(TicketRegistered, registered, ticket))
        if police.must_transfer(ticket):
            entries.append(
                await transfer_to_police(session, runtime, ticket, actor=principal.subject, now=now)
            )
    return ticket, entries, outcome.merged_into


async def transfer_to_police(
    session: AsyncSession,
    runtime: Runtime,
    ticket: Ticket,
    *,
    actor: str,
    now: datetime,
) -> TimelineEntry:
    """Publish the 110 hand-over in the caller's transaction; the timeline shows it."""
    data = police.transfer_data(ticket, actor, now)
    await runtime.publish(
        session,
        TicketTransferredToPolice.create(
            data, subject=str(ticket.id), correlationid=str(ticket.id), time=now
        ),
    )
    entry = police.transfer_entry(ticket, now)
    session.add(entry)
    return entry


def _new_ticket(
    body: TicketCreate,
    principal: Principal,
    place: ResolvedPlace,
    result: Classification,
    now: datetime,
) -> Ticket:
    location = body.location
    return Ticket(
        id=new_id(),
        channel=body.channel.value,
        status="registered",
        description=body.description,
        caller_name=body.caller.name,
        caller_phone=body.caller.phone,
        caller_id_number=body.caller.id_number,
        address=location.address,
        lon=location.lon,
        lat=location.lat,
        grid_code=place.grid_code,
        village_code=place.village_code,
        township_code=place.township_code,
        area_code=place.area_code,
        location_resolved=place.resolved,
        category_group=result.group.value,
        category_code=result.code,
        category_label=result.label,
        urgency=(body.urgency or result.urgency).value,
        disposition=result.disposition.value,
        dispositions=[d.value for d in result.dispositions],
        risk_level=result.risk_level.value if result.risk_level else None,
        classifier_confidence=result.confidence,
        external_ref=body.incident_number or body.external_ref,
        external_received_at=body.received_by_110_at,
        attachments=[a.model_dump() for a in body.attachments],
        caller_count=1,
        repeat_count=1,
        reported_at=body.reported_at or now,
        registered_at=now,
        registered_by=principal.subject,
        updated_at=now,
    )


def _classification(body: TicketCreate) -> Classification:
    """The classifier's answer, or the submitter's chosen subcategory when they gave one.

    Safety first: a threat or a police matter the classifier finds in the text wins over any
    chosen category, and an urgency either side sees is kept.
    """
    found = classify(body.description, channel=body.channel.value)
    if body.category_code is None:
        return found
    try:
        chosen = classification_for_override(body.category_code, None, ())
    except KeyError:
        raise UnprocessableEntity(
            f"no subcategory {body.category_code} in the taxonomy",
            [_field_error("category_code", "unknown subcategory", "unknown")],
        ) from None
    if found.group is CategoryGroup.EXTREME_THREAT or Disposition.POLICE_TRANSFER in (
        found.dispositions
    ):
        return found
    urgent = Urgency.URGENT in (found.urgency, chosen.urgency)
    return replace(chosen, urgency=Urgency.URGENT if urgent else Urgency.NORMAL)


def _check_channel_fields(body: TicketCreate) -> None:
    """110 transfers carry the incident number; other channels may not claim 110 fields."""
    errors = []
    if body.channel is Channel.POLICE_110:
        if not (body.incident_number or body.external_ref):
            errors.append(_field_error("incident_number", "required for police_110", "missing"))
    else:
        for name in ("incident_number", "received_by_110_at"):
            if getattr(body, name) is not None:
                errors.append(_field_error(name, "only for channel police_110", "not_allowed"))
    if errors:
        raise UnprocessableEntity("fields do not fit the channel", errors)


def _check_times(body: TicketCreate, now: datetime, max_skew_seconds: int) -> None:
    errors = [
        _field_error(name, "lies in the future", "future")
        for name in ("reported_at", "received_by_110_at")
        if (value := getattr(body, name)) is not None
        and (value - now).total_seconds() > max_skew_seconds
    ]
    if errors:
        raise UnprocessableEntity("a time lies in the future", errors)


def _field_error(name: str, message: str, type_: str) -> dict[str, str]:
    return {"field": f"body.{name}", "message": message, "type": type_}


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


def _event(event_class: type[E], data: BaseModel, ticket: Ticket) -> E:
    return event_class.create(
        data, subject=str(ticket.id), correlationid=str(ticket.id), time=ticket.registered_at
    )


async def find_ticket(
    session: AsyncSession, ticket_ref: str, *, for_update: bool = False
) -> Ticket:
    """By UUID or by ticket number (what a citizen reads out on the phone)."""
    try:
        condition = Ticket.id == UUID(ticket_ref)
    except ValueError:
        condition = Ticket.ticket_number == ticket_ref
    query = select(Ticket).where(condition)
    if for_update:
        query = query.with_for_update()
    ticket = await session.scalar(query)
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
