"""Registering and reading tickets (the intake use cases), each one unit of work."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, ensure_channel, mask_name, mask_phone
from pingan_common.events import (
    CallerSummary,
    CategoryGroup,
    Channel,
    Disposition,
    EventEnvelope,
    TicketRegistered,
    TicketRegisteredData,
    Urgency,
)
from pingan_common.events.intake import TicketMerged, TicketTransferredToPolice
from pingan_common.ids import new_id
from pingan_common.problems import Forbidden, NotFound, ProblemError, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake import police
from pingan_intake.classification import (
    Classification,
    classification_for_override,
    classify,
)
from pingan_intake.event_values import category_of, location_of
from pingan_intake.merges import DuplicateOutcome, duplicates_gate, merged_event_data
from pingan_intake.models import IdempotencyKey, Ticket, TimelineEntry
from pingan_intake.numbering import next_ticket_number
from pingan_intake.places import PlaceResolver, ResolvedPlace
from pingan_intake.schemas import TicketCreate

E = TypeVar("E", bound=EventEnvelope)

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
            ticket, entries = await _create(session, runtime, body, principal)
            if idempotency_key:
                await _remember_key(
                    session, runtime, principal, idempotency_key, request_hash, ticket
                )
        return Registration(ticket, entries, created=True)
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
) -> tuple[Ticket, list[TimelineEntry]]:
    settings = runtime.settings
    now = runtime.now()
    _check_channel_fields(body)
    _check_times(body, now, settings.reported_at_max_skew_seconds)
    place = _resolve_place(runtime.state["places"], body, principal)
    ensure_area(principal, place.area_code)
    result = _classification(body)
    ticket = _new_ticket(body, principal, place, result, now)
    ticket.ticket_number = await next_ticket_number(
        session, prefix=settings.ticket_number_prefix, now=now, timezone=settings.local_timezone
    )
    entries = [_registered_entry(ticket)]
    session.add(ticket)
    await session.flush()
    # Its own flush first, so that it precedes whatever the duplicate gate writes.
    session.add(entries[0])
    await session.flush()
    outcome = await duplicates_gate(session, ticket, now)
    if outcome.merged_into is not None:
        merged = merged_event_data(ticket, outcome, now)
        await runtime.publish(session, _event(TicketMerged, merged, ticket))
    else:
        registered = _registered_data(ticket, settings.phone_hash_key, outcome)
        await runtime.publish(session, _event(TicketRegistered, registered, ticket))
        if police.must_transfer(ticket):
            entries.append(
                await transfer_to_police(session, runtime, ticket, actor=principal.subject, now=now)
            )
    return ticket, entries


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


def _registered_data(
    ticket: Ticket, phone_hash_key: str, outcome: DuplicateOutcome
) -> TicketRegisteredData:
    return TicketRegisteredData(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        description=ticket.description,
        category=category_of(ticket),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        dispositions=ticket.dispositions,
        risk_level=ticket.risk_level,
        location=location_of(ticket),
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
        external_received_at=ticket.external_received_at,
        attachments=ticket.attachments,
        repeat_of_ticket_id=outcome.repeat_of.id if outcome.repeat_of else None,
        repeat_count=outcome.repeat_count,
    )


def _event(event_class: type[E], data: BaseModel, ticket: Ticket) -> E:
    return event_class.create(
        data, subject=str(ticket.id), correlationid=str(ticket.id), time=ticket.registered_at
    )


def _phone_hash(phone: str | None, key: str) -> str | None:
    if not phone:
        return None
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


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
