"""REST bodies of the template catalog: listing and previews."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TemplateRead(BaseModel):
    id: str = Field(examples=["ticket_receipt.sms"])
    version: int
    event_type: str
    channel: Literal["sms", "in_app"]
    template_code: str | None = Field(examples=["SMS_900011"])
    variables: dict[str, int] = Field(description="Name → maximum length, in parameter order")
    title: str | None
    body: str


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variables: dict[str, Any] = Field(examples=[{"ticket_number": "QS20261123000123"}])
    version: int | None = Field(default=None, description="Default: the latest")


class PreviewRead(BaseModel):
    template_id: str
    version: int
    channel: str
    template_code: str | None
    title: str | None
    body: str
    text: str = Field(description="What the recipient reads; SMS with the 【签名】 prefix")
    params: dict[str, str]
    segments: int | None = Field(description="Billed SMS parts; null for in-app")
