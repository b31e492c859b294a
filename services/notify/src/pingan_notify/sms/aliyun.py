"""The Aliyun-style adapter: the RPC style of Aliyun's Dysms ``SendSms`` (form parameters,
HMAC-SHA1 over the canonical query), and its receipt and reply callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

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
            return transport_failure(exc, segments)
        body = json_or_empty(response)
        code = body.get("Code")
        if response.status_code >= 500 or response.status_code == 429:
            return server_failure(response, code, segments)
        if response.status_code == 200 and code == "OK":
            return SmsSendResult(
                SmsOutcome.SENT,
                provider_message_id=body.get("BizId"),
                segments=segments,
                http_status=200,
            )
        retryable = code in ALIYUN_RETRYABLE_CODES
        return refused(response, code, body.get("Message"), segments, retryable=retryable)

    @staticmethod
    def parse_receipts(payload: Any) -> list[DeliveryReceipt]:
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

    @staticmethod
    def parse_inbound(payload: Any) -> list[InboundSms]:
        """Aliyun's SmsUp push: a JSON array of upstream messages."""
        return [
            InboundSms(
                phone=national_number(item["phone_number"]),
                text=item["content"],
                received_at=item.get("send_time", ""),
            )
            for item in payload
        ]
