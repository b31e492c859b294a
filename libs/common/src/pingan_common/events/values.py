"""Value types shared by several event payloads."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Channel(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    POLICE_110 = "police_110"
    GRID_REPORT = "grid_report"
    WEB = "web"
    THIRD_PARTY = "third_party"
    OPEN311 = "open311"


class CategoryGroup(StrEnum):
    DISPUTE = "dispute"
    PUBLIC_ORDER = "public_order"
    SAFETY_HAZARD = "safety_hazard"
    CITY_SERVICE = "city_service"
    KEY_POPULATION = "key_population"
    PETITION_GROUP = "petition_group"
    EXTREME_THREAT = "extreme_threat"
    CONSULTATION = "consultation"

    @property
    def label(self) -> str:
        """The Chinese name staff and third parties see (one source for every service)."""
        return GROUP_LABELS[self]


GROUP_LABELS: dict[CategoryGroup, str] = {
    CategoryGroup.DISPUTE: "矛盾纠纷",
    CategoryGroup.PUBLIC_ORDER: "治安",
    CategoryGroup.SAFETY_HAZARD: "安全隐患",
    CategoryGroup.CITY_SERVICE: "城市管理与民生",
    CategoryGroup.KEY_POPULATION: "特殊人群",
    CategoryGroup.PETITION_GROUP: "信访/群体",
    CategoryGroup.EXTREME_THREAT: "极端事件",
    CategoryGroup.CONSULTATION: "咨询",
}


def group_label(group: str) -> str:
    """The label of a group code; an unknown code is shown as it is."""
    try:
        return GROUP_LABELS[CategoryGroup(group)]
    except ValueError:
        return group


class Urgency(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"


class Disposition(StrEnum):
    TASK = "task"
    MEDIATION = "mediation"
    RISK = "risk"
    POLICE_TRANSFER = "police_transfer"
    ANSWER = "answer"

    @property
    def label(self) -> str:
        """The Chinese name staff see on a ticket's timeline."""
        return DISPOSITION_LABELS[self]


DISPOSITION_LABELS: dict[Disposition, str] = {
    Disposition.TASK: "派单办理",
    Disposition.MEDIATION: "调解",
    Disposition.RISK: "风险研判",
    Disposition.POLICE_TRANSFER: "转110",
    Disposition.ANSWER: "直接答复",
}


class RiskLevel(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"


class Category(Payload):
    group: CategoryGroup
    code: str | None = Field(default=None, description="Subcategory code, when known")
    label: str = Field(description="Chinese label shown to staff")


class Location(Payload):
    address: str | None = None
    lon: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    village_code: str | None = None
    township_code: str | None = None
    resolved: bool = Field(description="False when the dispatcher still has to locate it")


class CallerSummary(Payload):
    """What other services may know of the caller: masked values and a stable hash only."""

    name_masked: str | None = None
    phone_masked: str | None = None
    phone_hash: str | None = Field(
        default=None, description="Keyed hash of the normalised phone, for repeat-caller signals"
    )


class Attachment(Payload):
    """Metadata of a file stored elsewhere (object storage); events never carry the bytes."""

    file_name: str = Field(max_length=255, examples=["现场照片1.jpg"])
    content_type: str = Field(max_length=100, examples=["image/jpeg"])
    size_bytes: int = Field(ge=0, le=100 * 1024 * 1024)
    url: str = Field(max_length=2000, examples=["https://files.pingan.local/a/1.jpg"])


CallbackVerdict = Literal["satisfied", "basically_satisfied", "unsatisfied"]
