"""The Tencent-style adapter: the TC3-HMAC-SHA256 signed JSON of Tencent Cloud's ``SendSms``,
and its status and reply callbacks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from pingan_notify.sms.providers import (
    DeliveryReceipt,
    InboundSms,
    SmsMessage,
    SmsOutcome,
    SmsSendResult,
    json_or_empty,
    national_number,
    refused,
    server_failure,
    transport_failure,
)
from pingan_notify.sms.segments import count_segments

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
            return transport_failure(exc, segments)
        body = json_or_empty(response).get("Response", {})
        error = body.get("Error") or {}
        if response.status_code >= 500 or response.status_code == 429:
            return server_failure(response, error.get("Code"), segments)
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

    @staticmethod
    def parse_receipts(payload: Any) -> list[DeliveryReceipt]:
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

    @staticmethod
    def parse_inbound(payload: Any) -> list[InboundSms]:
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
    return refused(response, code, message, segments, retryable=retryable)
