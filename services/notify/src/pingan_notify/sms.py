"""Sending SMS through a provider's HTTP API: the interface and two adapters.

``AliyunStyleSmsProvider`` speaks the RPC style of Aliyun's Dysms ``SendSms`` (form parameters,
HMAC-SHA1 over the canonical query); ``TencentStyleSmsProvider`` the TC3-HMAC-SHA256 signed JSON
of Tencent Cloud's ``SendSms``. Both post to a configurable base URL: the provider in production,
the local gateway simulator (``pingan_notify.sms_simulator``) in the local stack and in tests.

Every outcome is one of three: sent (with the provider's message id), retryable (5xx, timeouts,
connection errors, throttling) or permanent (a bad number, a rejected template or signature,
bad credentials) — the delivery engine retries the second and dead-letters the third.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from pingan_notify.sms_segments import count_segments

__all__ = [
    "AliyunStyleSmsProvider",
    "SmsMessage",
    "SmsOutcome",
    "SmsProvider",
    "SmsSendResult",
    "TencentStyleSmsProvider",
    "count_segments",
]


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

    @property
    def sent(self) -> bool:
        return self.outcome is SmsOutcome.SENT

    @property
    def retryable(self) -> bool:
        return self.outcome is SmsOutcome.RETRYABLE


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


def _transport_failure(exc: httpx.HTTPError, segments: int) -> SmsSendResult:
    # Timeouts and refused connections say nothing about the message: try again later.
    return SmsSendResult(
        SmsOutcome.RETRYABLE,
        error_code=type(exc).__name__,
        error_message=str(exc) or type(exc).__name__,
        segments=segments,
    )


def _server_failure(response: httpx.Response, code: str | None, segments: int) -> SmsSendResult:
    # 5xx and 429 say "not now", never "not this message".
    return SmsSendResult(
        SmsOutcome.RETRYABLE,
        error_code=code or f"HTTP{response.status_code}",
        error_message=response.text[:200],
        segments=segments,
        http_status=response.status_code,
    )


def _refused(
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


# --- Aliyun-style RPC ----------------------------------------------------------------------

ALIYUN_RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # per-number throttling (1/min, 5/h, 10/day by default)
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
    }
)


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it: space %20, ``*`` %2A, ``~`` kept."""
    return quote(value, safe="-_.~")


def aliyun_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(
        f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    return f"{method.upper()}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"


def aliyun_signature(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    key = f"{access_key_secret}&".encode()
    digest = hmac.new(key, aliyun_string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class AliyunStyleSmsProvider:
    base_url: str
    access_key_id: str
    access_key_secret: str
    client: httpx.AsyncClient
    region_id: str = "cn-hangzhou"
    name: str = field(default="aliyun", init=False)

    def request_params(
        self, message: SmsMessage, *, nonce: str, timestamp: datetime
    ) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": national_number(message.phone),
            "RegionId": self.region_id,
            "SignName": message.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": message.template_code,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature("POST", params, self.access_key_secret)
        return params

    async def send(self, message: SmsMessage) -> SmsSendResult:
        segments = count_segments(message.text)
        params = self.request_params(message, nonce=uuid.uuid4().hex, timestamp=datetime.now(UTC))
        try:
            response = await self.client.post(self.base_url, data=params)
        except httpx.HTTPError as exc:
            return _transport_failure(exc, segments)
        body = _json_or_empty(response)
        code = body.get("Code")
        if response.status_code >= 500 or response.status_code == 429:
            return _server_failure(response, code, segments)
        if response.status_code == 200 and code == "OK":
            return SmsSendResult(
                SmsOutcome.SENT,
                provider_message_id=body.get("BizId"),
                segments=segments,
                http_status=200,
            )
        retryable = code in ALIYUN_RETRYABLE_CODES
        return _refused(response, code, body.get("Message"), segments, retryable=retryable)

    def parse_receipts(self, payload: Any) -> list[DeliveryReceipt]:
        """Aliyun's SmsReport push: a JSON array of reports."""
        return [
            DeliveryReceipt(
                provider_message_id=item["biz_id"],
                phone=national_number(item["phone_number"]),
                delivered=bool(item["success"]),
                status=item.get("err_code", ""),
                reported_at=item.get("report_time", ""),
            )
            for item in payload
        ]

    def parse_inbound(self, payload: Any) -> list[InboundSms]:
        """Aliyun's SmsUp push: a JSON array of upstream messages."""
        return [
            InboundSms(
                phone=national_number(item["phone_number"]),
                text=item["content"],
                received_at=item.get("send_time", ""),
            )
            for item in payload
        ]


# --- Tencent-style TC3-HMAC-SHA256 ---------------------------------------------------------

TENCENT_SERVICE = "sms"
TENCENT_VERSION = "2021-01-11"
TENCENT_CONTENT_TYPE = "application/json; charset=utf-8"
TENCENT_RETRYABLE_PREFIXES = ("InternalError", "RequestLimitExceeded", "LimitExceeded")


def tc3_canonical_request(headers: Mapping[str, str], payload: bytes) -> str:
    """The canonical form of a JSON POST to ``/``; ``headers`` are the signed ones."""
    signed = sorted((name.lower(), value.strip().lower()) for name, value in headers.items())
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in signed)
    signed_names = ";".join(name for name, _ in signed)
    return "\n".join(
        ["POST", "/", "", canonical_headers, signed_names, hashlib.sha256(payload).hexdigest()]
    )


def tc3_signature(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    headers: Mapping[str, str],
    payload: bytes,
) -> str:
    """The hex TC3-HMAC-SHA256 signature of a JSON POST to ``/`` signing ``headers``."""
    date = _utc_date(timestamp)
    canonical_request = tc3_canonical_request(headers, payload)
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac_sha256(f"TC3{secret_key}".encode(), date)
    key = _hmac_sha256(key, service)
    key = _hmac_sha256(key, "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_authorization(
    secret_id: str, service: str, timestamp: int, signed_headers: str, signature: str
) -> str:
    scope = f"{_utc_date(timestamp)}/{service}/tc3_request"
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def _utc_date(timestamp: int) -> str:
    # The scope's date is UTC: a local date breaks every call between 00:00 and 08:00 in China.
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


@dataclass
class TencentStyleSmsProvider:
    base_url: str
    secret_id: str
    secret_key: str
    sdk_app_id: str
    client: httpx.AsyncClient
    region: str = "ap-guangzhou"
    name: str = field(default="tencent", init=False)

    def request(self, message: SmsMessage, *, timestamp: int) -> tuple[bytes, dict[str, str]]:
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{national_number(message.phone)}"],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": message.sign_name,
                "TemplateId": message.template_code,
                "TemplateParamSet": list(message.params.values()),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        signed = {
            "Content-Type": TENCENT_CONTENT_TYPE,
            "Host": urlsplit(self.base_url).netloc,
            "X-TC-Action": "SendSms",
        }
        signature = tc3_signature(
            secret_key=self.secret_key,
            service=TENCENT_SERVICE,
            timestamp=timestamp,
            headers=signed,
            payload=payload,
        )
        signed_names = ";".join(sorted(name.lower() for name in signed))
        headers = {
            **signed,
            "Authorization": tc3_authorization(
                self.secret_id, TENCENT_SERVICE, timestamp, signed_names, signature
            ),
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": TENCENT_VERSION,
            "X-TC-Region": self.region,
        }
        return payload, headers

    async def send(self, message: SmsMessage) -> SmsSendResult:
        segments = count_segments(message.text)
        payload, headers = self.request(message, timestamp=int(time.time()))
        try:
            response = await self.client.post(self.base_url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            return _transport_failure(exc, segments)
        body = _json_or_empty(response).get("Response", {})
        error = body.get("Error") or {}
        if response.status_code >= 500 or response.status_code == 429:
            return _server_failure(response, error.get("Code"), segments)
        if error:
            code, text = error.get("Code", ""), error.get("Message", "")
            return _tencent_refused(response, code, text, segments)
        # One number per request, so one status.
        status = (body.get("SendStatusSet") or [{}])[0]
        if status.get("Code") == "Ok":
            return SmsSendResult(
                SmsOutcome.SENT,
                provider_message_id=status.get("SerialNo"),
                segments=segments,
                http_status=response.status_code,
            )
        return _tencent_refused(
            response, status.get("Code", ""), status.get("Message", ""), segments
        )

    def parse_receipts(self, payload: Any) -> list[DeliveryReceipt]:
        """Tencent's status callback: a JSON array of reports."""
        return [
            DeliveryReceipt(
                provider_message_id=item["sid"],
                phone=national_number(item["mobile"]),
                delivered=item["report_status"] == "SUCCESS",
                status=item.get("errmsg", ""),
                reported_at=item.get("user_receive_time", ""),
            )
            for item in payload
        ]

    def parse_inbound(self, payload: Any) -> list[InboundSms]:
        """Tencent's reply callback: one JSON object per upstream message."""
        items = payload if isinstance(payload, list) else [payload]
        return [
            InboundSms(
                phone=national_number(item["mobile"]),
                text=item["text"],
                received_at=str(item.get("time", "")),
            )
            for item in items
        ]


def _tencent_refused(
    response: httpx.Response, code: str, message: str, segments: int
) -> SmsSendResult:
    retryable = code.startswith(TENCENT_RETRYABLE_PREFIXES)
    return _refused(response, code, message, segments, retryable=retryable)


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
