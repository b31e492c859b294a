"""REST bodies of the routing rules API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pingan_dispatch.routing.rules import Rule

_EXAMPLE_RULE: dict[str, Any] = {
    "id": "R-WAGE-ARREARS",
    "priority": 130,
    "match": {"codes": ["wage_arrears", "group_wage_arrears"]},
    "target": {"unit_kind": "department", "department_code": "331199-D-RS"},
    "co_handlers": [{"unit_kind": "township"}],
    "explain": "欠薪、讨薪属劳动保障监察职责，由{unit}主办，属地{co_units}协办",
}


class RuleSetRead(BaseModel):
    version: str = Field(examples=["2026.11.1-r2"])
    base_version: str = Field(description="The rules file version this set descends from")
    source: Literal["file", "admin"]
    active: bool
    created_at: datetime
    created_by: str
    comment: str | None
    description: str | None
    department_duties: dict[str, list[str]]
    rules: list[Rule] = Field(description="In checking order (ascending priority)")


class RuleSetVersion(BaseModel):
    version: str
    base_version: str
    source: Literal["file", "admin"]
    active: bool
    created_at: datetime
    created_by: str
    comment: str | None
    rule_count: int


class RuleSetWrite(BaseModel):
    """A whole new rule set; the service gives it the next version and makes it active."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "expected_version": "2026.11.1",
                    "comment": "欠薪改由人社局主办",
                    "department_duties": {"331199-D-RS": ["wage_arrears"]},
                    "rules": [_EXAMPLE_RULE],
                }
            ]
        },
    )

    description: str | None = None
    department_duties: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)
    comment: str | None = Field(default=None, max_length=500, description="Why it changed")
    expected_version: str | None = Field(
        default=None, description="Refuse (409) unless this is still the active version"
    )


class ExplainRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category_group": "dispute",
                    "category_code": "neighbour",
                    "urgency": "normal",
                    "area_code": "331199001001",
                }
            ]
        },
    )

    category_group: str
    category_code: str | None = None
    urgency: Literal["urgent", "normal"] = "normal"
    area_code: str | None = Field(
        default=None,
        pattern=r"^(\d{6}|\d{9}|\d{12}|\d{14})$",
        description="Grid, village, township or county code",
    )
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @model_validator(mode="after")
    def _place_given_once(self) -> ExplainRequest:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        return self


class UnitOut(BaseModel):
    code: str
    name: str


class CandidateOut(BaseModel):
    rule_id: str
    priority: int
    outcome: Literal["chosen", "skipped", "target_missing"]
    why: str


class ExplainResponse(BaseModel):
    unit: UnitOut
    co_units: list[UnitOut]
    rule_id: str
    rules_version: str
    reason: str = Field(description="In Chinese words, as the task records it")
    fallback: bool = Field(description="兜底: no rule applied, or its unit does not exist")
    area_code: str | None = Field(description="The place used (from lon/lat when given)")
    place_level: Literal["county", "township", "village", "grid"]
    candidates: list[CandidateOut] = Field(description="Rules checked, in order, and why not")
