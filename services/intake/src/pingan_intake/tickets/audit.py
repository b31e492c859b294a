"""Who may see a caller's clear personal data, and the audit trail of every such read (PIPL).

Values are masked by default for everyone. A role that calls citizens back (operator,
dispatcher) gets clear values by asking with a ``reason``; the notify service reads a caller's
contact to send an SMS. Each read is written down: who, when, which ticket, which fields, why.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from pingan_common.auth import Principal
from pingan_common.problems import Forbidden
from pingan_common.runtime import Runtime
from pingan_intake.models import PersonalDataRead, Ticket

UNMASKING_ROLES = frozenset({"operator", "dispatcher"})
PHONE_SEARCH_ROLES = UNMASKING_ROLES
CALLER_CONTACT_SCOPE = "caller_contact"


def may_unmask(principal: Principal) -> bool:
    return principal.kind == "user" and bool(UNMASKING_ROLES & principal.roles)


def wants_clear_values(principal: Principal, reason: str | None) -> bool:
    """True when the caller asked for clear values with a reason and may have them."""
    if reason is None:
        return False
    if not may_unmask(principal):
        raise Forbidden(
            "your role may not read clear personal data; leave out 'reason' for masked values"
        )
    return True


def check_phone_search(principal: Principal, reason: str | None) -> None:
    if not (principal.kind == "user" and PHONE_SEARCH_ROLES & principal.roles):
        raise Forbidden("your role may not search by caller phone")
    if not reason:
        raise Forbidden("a search by caller phone needs a 'reason'")


def personal_fields(ticket: Ticket) -> list[str]:
    values = {
        "caller_name": ticket.caller_name,
        "caller_phone": ticket.caller_phone,
        "caller_id_number": ticket.caller_id_number,
    }
    return [name for name, value in values.items() if value]


async def record_reads(
    runtime: Runtime,
    principal: Principal,
    tickets: Iterable[tuple[UUID | None, list[str]]],
    *,
    reason: str,
    access: str,
) -> None:
    """One audit row per ticket read, in its own short transaction.

    Its own transaction: under a read snapshot the foreign-key check would fail whenever a
    consumer updated the ticket in the meantime.
    """
    rows = [
        PersonalDataRead(
            ticket_id=ticket_id,
            reader=principal.subject,
            fields=fields,
            reason=reason,
            access=access,
            read_at=runtime.now(),
        )
        for ticket_id, fields in tickets
        if fields
    ]
    if not rows:
        return
    async with runtime.transaction() as session:
        session.add_all(rows)
