"""REST body of an operator's merge (并单); a split takes only a reason (``ReasonRequest``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pingan_intake.tickets.schemas import ActionReason


class MergeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"master": "QS20261123000123", "reason": "同一小区同一处燃气泄漏"}]
        },
    )

    master: str = Field(
        min_length=1, max_length=64, description="The master ticket: its id or ticket number"
    )
    reason: ActionReason
