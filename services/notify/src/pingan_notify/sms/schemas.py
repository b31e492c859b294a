"""REST bodies of the SMS provider's callbacks."""

from __future__ import annotations

from pydantic import BaseModel, Field


class InboundResult(BaseModel):
    received: int
    outcomes: list[str] = Field(examples=[["answered"]])


class ReceiptResult(BaseModel):
    updated: int
