"""Searching tickets: filters, area and client scope, newest-first keyset pages.

The query is built here without I/O; the routes run it (a page for JSON, a stream for CSV).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, or_, select

from pingan_common.auth import Principal
from pingan_common.pagination import cursor_field, decode_cursor, encode_cursor
from pingan_common.problems import ProblemError
from pingan_common.scoping import within_area
from pingan_intake.models import Ticket


@dataclass(frozen=True)
class TicketFilters:
    registered_from: datetime | None = None
    registered_to: datetime | None = None
    channel: str | None = None
    group: str | None = None
    code: str | None = None
    status: str | None = None
    urgency: str | None = None
    township: str | None = None
    grid: str | None = None
    area_code: str | None = None
    caller_phone: str | None = None
    repeat_flag: str | None = None
    merged_into: UUID | None = None  # the calls merged into this master
    master: bool | None = None  # True: tickets with merged callers; False: those without


_EQUALS = {
    "channel": Ticket.channel,
    "group": Ticket.category_group,
    "code": Ticket.category_code,
    "status": Ticket.status,
    "urgency": Ticket.urgency,
    "township": Ticket.township_code,
    "grid": Ticket.grid_code,
    "caller_phone": Ticket.caller_phone,
    "repeat_flag": Ticket.repeat_flag,
    "merged_into": Ticket.master_ticket_id,
}


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """Area scope for everyone; a third-party system sees only what it submitted itself."""
    scope = within_area(Ticket.area_code, principal)
    if principal.kind == "api_client":
        return and_(scope, Ticket.registered_by == principal.subject)
    return scope


def search_query(principal: Principal, filters: TicketFilters) -> Select[tuple[Ticket]]:
    query = select(Ticket).where(visible_to(principal))
    for name, column in _EQUALS.items():
        value = getattr(filters, name)
        if value is not None:
            query = query.where(column == value)
    if filters.master is not None:
        query = query.where(Ticket.caller_count > 1 if filters.master else Ticket.caller_count <= 1)
    if filters.area_code:
        query = query.where(Ticket.area_code.startswith(filters.area_code, autoescape=True))
    if filters.registered_from:
        query = query.where(Ticket.registered_at >= filters.registered_from)
    if filters.registered_to:
        query = query.where(Ticket.registered_at < filters.registered_to)
    return query.order_by(Ticket.registered_at.desc(), Ticket.id.desc())


def after_cursor(query: Select[tuple[Ticket]], cursor: str | None) -> Select[tuple[Ticket]]:
    position = decode_cursor(cursor)
    if not position:
        return query
    at = cursor_field(position, "at", _aware_time)
    last_id = cursor_field(position, "id", UUID)
    return query.where(
        or_(Ticket.registered_at < at, and_(Ticket.registered_at == at, Ticket.id < last_id))
    )


def cursor_after(ticket: Ticket) -> str:
    return encode_cursor({"at": ticket.registered_at.isoformat(), "id": str(ticket.id)})


def _aware_time(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("cursor time without a zone")
    return at


def check_range(filters: TicketFilters) -> None:
    if (
        filters.registered_from
        and filters.registered_to
        and filters.registered_from >= filters.registered_to
    ):
        raise ProblemError(
            422,
            "Validation failed",
            "'from' must lie before 'to'",
            type_="validation-error",
            errors=[{"field": "query.from", "message": "not before 'to'", "type": "range"}],
        )
