"""REST bodies of classification: a text to classify, the answer, an operator's correction."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pingan_common.events import Channel, Disposition, RiskLevel, Urgency
from pingan_intake.inputs.text import CleanText


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "小区门口燃气管道漏气，味道很大", "channel": "web"}]
        },
    )

    text: CleanText = Field(min_length=2, max_length=4000)
    channel: Channel | None = None


class AlternativeOut(BaseModel):
    group: str
    code: str
    label: str
    confidence: float


class ClassificationOut(BaseModel):
    group: str = Field(examples=["safety_hazard"])
    code: str | None = Field(examples=["gas_leak"])
    label: str = Field(examples=["燃气泄漏"])
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None
    confidence: float = Field(
        ge=0, le=1, description="Calibrated: the share of answers like this one that were right"
    )
    needs_review: bool = Field(
        description="Too uncertain to act on: the operator should confirm or correct it"
    )
    threat_review: bool = Field(
        default=False,
        description="The threat detector is unsure: not red, but the operator must check for an "
        "extreme risk (needs_review is set too)",
    )
    review_note: str | None = Field(default=None, examples=["可能涉及极端风险，请核实"])
    alternatives: list[AlternativeOut]


class ReclassifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "neighbour",
                    "urgency": "normal",
                    "dispositions": ["mediation"],
                    "reason": "来电人说明是邻里之间的噪音矛盾，不是施工扰民",
                }
            ]
        },
    )

    code: str = Field(max_length=64, pattern=r"^[a-z0-9_]+$", description="Subcategory code")
    urgency: Urgency | None = Field(default=None, description="Default: the subcategory's")
    dispositions: list[Disposition] | None = Field(
        default=None, min_length=1, max_length=5, description="Primary first"
    )
    reason: CleanText = Field(min_length=2, max_length=500)
