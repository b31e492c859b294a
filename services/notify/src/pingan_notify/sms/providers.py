"""Sending SMS through a provider's HTTP API: the message, the outcomes, the interface.

The adapters (``sms.aliyun``, ``sms.tencent``) post to a configurable base URL: the provider in
production, the local gateway simulator (``pingan_notify.sms_simulator``) in the local stack
and in tests.

Every outcome is one of three: sent (with the provider's message id), retryable (5xx, timeouts,
connection errors, throttling) or permanent (a bad number, a rejected template or signature,
bad credentials) — the delivery worker retries the second and dead-letters the third.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import httpx


@dataclass(frozen=True)
class SmsMessage:
    phone: str  # mainland number, 11 digits, with or without +86
    sign_name: str
    template_code: str
    params: dict[str, str]  # in the template's variable order (positional providers need it)
    text: str  # the rendered text incl. 【签名】, for segment counting and the record


class SmsOutcome(StrEnum):
    SENT = "sent"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SmsSendResult:
    outcome: SmsOutcome
    provider_message_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    segments: int = 0
    http_status: int | None = None


@dataclass(frozen=True)
class DeliveryReceipt:
    """A provider's report that a message reached (or did not reach) the handset."""

    provider_message_id: str
    phone: str
    delivered: bool
    status: str
    reported_at: str


@dataclass(frozen=True)
class InboundSms:
    """A citizen's reply (上行短信), e.g. "1" to a satisfaction survey."""

    phone: str
    text: str
    received_at: str


class SmsProvider(Protocol):
    name: str

    async def send(self, message: SmsMessage) -> SmsSendResult: ...

    def parse_receipts(self, payload: Any) -> list[DeliveryReceipt]: ...

    def parse_inbound(self, payload: Any) -> list[InboundSms]: ...


def national_number(phone: str) -> str:
    """``+8613800138000`` / ``8613800138000`` / ``13800138000`` → ``13800138000``."""
    digits = phone.strip().removeprefix("+")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def transport_failure(exc: httpx.HTTPError, segments: int) -> SmsSendResult:
    # Timeouts and refused connections say nothing about the message: try again later.
    return SmsSendResult(
        SmsOutcome.RETRYABLE,
        error_code=type(exc).__name__,
        error_message=str(exc) or type(exc).__name__,
        segments=segments,
    )


def server_failure(response: httpx.Response, code: str | None, segments: int) -> SmsSendResult:
    # 5xx and 429 say "not now", never "not this message".
    return SmsSendResult(
        SmsOutcome.RETRYABLE,
        error_code=code or f"HTTP{response.status_code}",
        error_message=response.text[:200],
        segments=segments,
        http_status=response.status_code,
    )


def refused(
    response: httpx.Response,
    code: str | None,
    message: str | None,
    segments: int,
    *,
    retryable: bool,
) -> SmsSendResult:
    """The provider answered and refused: retry only on its codes for "busy, try later"."""
    return SmsSendResult(
        SmsOutcome.RETRYABLE if retryable else SmsOutcome.PERMANENT,
        error_code=code or f"HTTP{response.status_code}",
        error_message=message or response.text[:200],
        segments=segments,
        http_status=response.status_code,
    )


def json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
