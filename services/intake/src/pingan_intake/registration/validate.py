"""Registration, stage 1: the submission as it stands — the fields each channel carries, and
times that do not lie in the future. Who may submit on which channel is checked before, with
the request (``check_submitter``): it does not depend on the body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pingan_common.auth import Principal, ensure_channel
from pingan_common.events import Channel
from pingan_common.problems import Forbidden, UnprocessableEntity
from pingan_intake.registration.schemas import TicketCreate

CHANNELS_BY_ROLE: dict[str, frozenset[Channel]] = {
    "operator": frozenset({Channel.HOTLINE_12345, Channel.POLICE_110, Channel.WEB}),
    "grid_worker": frozenset({Channel.GRID_REPORT}),
    "dispatcher": frozenset(Channel),
    "admin": frozenset(Channel),
}


@dataclass(frozen=True)
class Submission:
    """A ticket as it was submitted: what, by whom, when it arrived, and the id it will have."""

    body: TicketCreate
    principal: Principal
    received_at: datetime
    ticket_id: UUID


def check_submitter(principal: Principal, channel: Channel) -> None:
    if principal.kind == "api_client":
        ensure_channel(principal, channel)
        return
    allowed = set().union(*(CHANNELS_BY_ROLE.get(role, frozenset()) for role in principal.roles))
    if channel not in allowed:
        raise Forbidden(f"your role may not register tickets on channel {channel.value}")


def validate(submission: Submission, *, max_skew_seconds: int) -> Submission:
    """The same submission, known to be acceptable; else a 422 naming each bad field."""
    _check_channel_fields(submission.body)
    _check_times(submission.body, submission.received_at, max_skew_seconds)
    return submission


def _check_channel_fields(body: TicketCreate) -> None:
    """110 transfers carry the incident number; other channels may not claim 110 fields."""
    errors = []
    if body.channel is Channel.POLICE_110:
        if not (body.incident_number or body.external_ref):
            errors.append(field_error("incident_number", "required for police_110", "missing"))
    else:
        for name in ("incident_number", "received_by_110_at"):
            if getattr(body, name) is not None:
                errors.append(field_error(name, "only for channel police_110", "not_allowed"))
    if errors:
        raise UnprocessableEntity("fields do not fit the channel", errors)


def _check_times(body: TicketCreate, now: datetime, max_skew_seconds: int) -> None:
    errors = [
        field_error(name, "lies in the future", "future")
        for name in ("reported_at", "received_by_110_at")
        if (value := getattr(body, name)) is not None
        and (value - now).total_seconds() > max_skew_seconds
    ]
    if errors:
        raise UnprocessableEntity("a time lies in the future", errors)


def field_error(name: str, message: str, type_: str) -> dict[str, str]:
    return {"field": f"body.{name}", "message": message, "type": type_}
