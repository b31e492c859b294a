"""Events published by the mediation service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import MEDIATION_CASES
from pingan_common.events.values import Category, Payload


class CaseOpenedData(Payload):
    case_id: UUID
    case_number: str
    ticket_id: UUID
    ticket_number: str
    category: Category
    committee_code: str
    committee_name: str
    area_code: str
    opened_at: datetime
    due_at: datetime


class CaseOpened(EventEnvelope):
    """Mediation opened a dispute case (调解案件) for a ticket and gave it to a people's
    mediation committee (人民调解委员会), with the deadline for the mediation."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.opened.v1"] = "pingan.mediation.case.opened.v1"
    data: CaseOpenedData


EVENTS: tuple[type[EventEnvelope], ...] = (CaseOpened,)
