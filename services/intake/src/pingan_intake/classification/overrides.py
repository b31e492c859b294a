"""Operators correcting the classifier (改类): category, urgency, dispositions, with a reason.

The correction is applied to the ticket, published as ``ticket.reclassified`` (dispatch re-routes
an unaccepted task) and kept in ``classification_overrides``, which exports as training data in
the format of the labelled set (one JSON object a line, ``source: "override"``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import select

from pingan_common.auth import Principal, ensure_visible
from pingan_common.events.intake import (
    ClassificationSnapshot,
    TicketReclassified,
    TicketReclassifiedData,
)
from pingan_common.problems import Conflict, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_common.scoping import within_area
from pingan_intake.classification.schemas import ReclassifyRequest
from pingan_intake.classification.taxonomy import TAXONOMY_VERSION, classification_for_override
from pingan_intake.models import ClassificationOverride, Ticket, TimelineEntry
from pingan_intake.police import linkage as police
from pingan_intake.tickets.event_data import category_of, ticket_event, ticket_fields
from pingan_intake.tickets.lookup import find_ticket
from pingan_intake.tickets.status import FINISHED_STATUSES
from pingan_intake.timeline.entries import intake_entry

EXPORT_BATCH = 500


async def reclassify(
    runtime: Runtime, *, ticket_ref: str, body: ReclassifyRequest, principal: Principal
) -> Ticket:
    try:
        current = classification_for_override(body.code, body.urgency, body.dispositions or ())
    except KeyError:
        raise UnprocessableEntity(
            f"no subcategory {body.code} in the taxonomy",
            [{"field": "body.code", "message": "unknown subcategory", "type": "unknown"}],
        ) from None
    now = runtime.now()
    async with runtime.transaction() as session:
        ticket = await find_ticket(session, ticket_ref, for_update=True)
        ensure_visible(principal, ticket.area_code, "ticket", ticket_ref)
        if ticket.status in FINISHED_STATUSES:
            raise Conflict(f"ticket {ticket.ticket_number} is {ticket.status}; nothing to correct")
        was_police_matter = police.is_police_matter(ticket)
        previous = snapshot(ticket)
        ticket.category_group = current.group.value
        ticket.category_code = current.code
        ticket.category_label = current.label
        ticket.urgency = current.urgency.value
        ticket.disposition = current.disposition.value
        ticket.dispositions = [d.value for d in current.dispositions]
        ticket.risk_level = current.risk_level.value if current.risk_level else None
        # A person decided: no classifier answer stands, nothing is left to review.
        ticket.classifier_confidence = None
        ticket.updated_at = now
        after = snapshot(ticket)
        session.add(_override_row(ticket, previous, after, body.reason, principal, now))
        session.add(_entry(ticket, previous, body.reason, principal, now))
        await runtime.publish(session, _event(ticket, previous, after, body.reason, principal, now))
        if police.must_transfer(ticket) and not was_police_matter:
            await police.transfer_to_police(
                session, runtime, ticket, actor=principal.subject, now=now
            )
    return ticket


def snapshot(ticket: Ticket) -> ClassificationSnapshot:
    return ClassificationSnapshot(
        category=category_of(ticket),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        dispositions=ticket.dispositions,
        risk_level=ticket.risk_level,
    )


def _override_row(
    ticket: Ticket,
    previous: ClassificationSnapshot,
    current: ClassificationSnapshot,
    reason: str,
    principal: Principal,
    now: datetime,
) -> ClassificationOverride:
    return ClassificationOverride(
        ticket_id=ticket.id,
        text=ticket.description,
        channel=ticket.channel,
        previous=previous.model_dump(mode="json"),
        current=current.model_dump(mode="json"),
        reason=reason,
        actor=principal.subject,
        taxonomy_version=TAXONOMY_VERSION,
        at=now,
    )


def _entry(
    ticket: Ticket,
    previous: ClassificationSnapshot,
    reason: str,
    principal: Principal,
    now: datetime,
) -> TimelineEntry:
    return intake_entry(
        ticket,
        now,
        "reclassified",
        f"人工改类：{previous.category.label} → {ticket.category_label}（{reason}）",
        {
            "previous_code": previous.category.code,
            "code": ticket.category_code,
            "actor": principal.subject,
        },
    )


def _event(
    ticket: Ticket,
    previous: ClassificationSnapshot,
    current: ClassificationSnapshot,
    reason: str,
    principal: Principal,
    now: datetime,
) -> TicketReclassified:
    data = TicketReclassifiedData(
        **ticket_fields(ticket, principal.subject, now),
        previous=previous,
        current=current,
        reason=reason,
    )
    return ticket_event(TicketReclassified, data, ticket, at=now)


def training_line(row: ClassificationOverride) -> str:
    """One labelled example, in the format of data/labelled_tickets.jsonl."""
    current = row.current
    return (
        json.dumps(
            {
                "text": row.text,
                "channel": row.channel,
                "code": current["category"]["code"],
                "urgency": current["urgency"],
                "dispositions": current["dispositions"],
                "source": "override",
                "previous_code": row.previous["category"]["code"],
                "reason": row.reason,
                "taxonomy_version": row.taxonomy_version,
                "at": row.at.isoformat(),
            },
            ensure_ascii=False,
        )
        + "\n"
    )


async def export_lines(runtime: Runtime, principal: Principal) -> AsyncIterator[bytes]:
    """Every override the principal's area covers, oldest first, in batches."""
    last_id = 0
    while True:
        async with runtime.transaction() as session:
            rows = list(
                await session.scalars(
                    select(ClassificationOverride)
                    .join(Ticket, Ticket.id == ClassificationOverride.ticket_id)
                    .where(within_area(Ticket.area_code, principal))
                    .where(ClassificationOverride.id > last_id)
                    .order_by(ClassificationOverride.id)
                    .limit(EXPORT_BATCH)
                )
            )
        if not rows:
            return
        yield "".join(training_line(row) for row in rows).encode()
        last_id = rows[-1].id
