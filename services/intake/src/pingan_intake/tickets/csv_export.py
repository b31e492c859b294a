"""Tickets as CSV for spreadsheets: masked values only, streamed in batches.

A UTF-8 byte-order mark comes first so that Excel, still the county's tool of choice, reads the
Chinese text as UTF-8. Cells that start with = + - @ are prefixed with ' so a citizen's text can
never become a spreadsheet formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable

from pingan_common.auth import mask_contacts_in_text, mask_phone
from pingan_intake.models import Ticket

COLUMNS = (
    "ticket_number",
    "registered_at",
    "channel",
    "status",
    "category_group",
    "category_code",
    "category_label",
    "urgency",
    "dispositions",
    "risk_level",
    "township_code",
    "grid_code",
    "area_code",
    "location_resolved",
    "address",
    "caller_phone",
    "external_ref",
    "master_ticket_id",
    "caller_count",
    "repeat_of_ticket_id",
    "repeat_count",
    "repeat_flag",
    "description",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def header() -> str:
    return "\ufeff" + _line(COLUMNS)


def rows(tickets: Iterable[Ticket]) -> str:
    return "".join(_line(_cells(ticket)) for ticket in tickets)


def _cells(ticket: Ticket) -> tuple[str, ...]:
    return (
        ticket.ticket_number,
        ticket.registered_at.isoformat(),
        ticket.channel,
        ticket.status,
        ticket.category_group,
        ticket.category_code or "",
        ticket.category_label,
        ticket.urgency,
        "|".join(ticket.dispositions),
        ticket.risk_level or "",
        ticket.township_code or "",
        ticket.grid_code or "",
        ticket.area_code,
        "true" if ticket.location_resolved else "false",
        ticket.address or "",
        mask_phone(ticket.caller_phone) or "",
        ticket.external_ref or "",
        str(ticket.master_ticket_id or ""),
        str(ticket.caller_count or 1),
        str(ticket.repeat_of_ticket_id or ""),
        str(ticket.repeat_count or 1),
        ticket.repeat_flag or "",
        mask_contacts_in_text(ticket.description),
    )


def _line(cells: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_defused(cell) for cell in cells])
    return buffer.getvalue()


def _defused(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


async def stream(header_line: str, batches: AsyncIterator[list[Ticket]]) -> AsyncIterator[bytes]:
    yield header_line.encode()
    async for batch in batches:
        yield rows(batch).encode()
