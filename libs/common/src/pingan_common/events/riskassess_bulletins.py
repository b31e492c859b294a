"""The warning bulletin (预警通报): what the analysts issue, after a 会商研判 meeting or on
their own, to the units, townships and grids concerned. Notify delivers it in-app to each unit
named and to the grid workers of each area named. On ``riskassess.alerts.v1`` (it is a warning,
and notify already reads that stream), keyed by the bulletin id.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import RISKASSESS_ALERTS
from pingan_common.events.values import Payload, RiskLevel


class BulletinIssuedData(Payload):
    bulletin_id: UUID
    bulletin_number: str = Field(examples=["YJTB2026120001"])
    level: RiskLevel
    title: str
    body: str = Field(description="The bulletin's text, as the units and grid workers read it")
    area_code: str = Field(description="The issuer's area (the bulletin's scope)")
    unit_codes: list[str] = Field(default_factory=list, description="Units told in their inbox")
    area_codes: list[str] = Field(
        default_factory=list,
        description="Townships, villages or grids whose grid workers are told",
    )
    issued_by: str
    issued_at: datetime
    meeting_id: UUID | None = Field(
        default=None, description="The 会商研判 meeting that decided it, if any"
    )


class BulletinIssued(EventEnvelope):
    """A warning bulletin (预警通报) was issued to chosen units and areas; notify delivers it."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.bulletin.issued.v1"] = "pingan.riskassess.bulletin.issued.v1"
    data: BulletinIssuedData


BULLETIN_EVENTS: tuple[type[EventEnvelope], ...] = (BulletinIssued,)
