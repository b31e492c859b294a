"""The local SMS gateway simulator: a real HTTP server shaped like the providers' SMS APIs.

    python -m pingan_notify.sms_simulator --host 127.0.0.1 --port 8006

It answers ``POST /aliyun`` like Aliyun's ``SendSms`` (signed form parameters) and
``POST /tencent`` like Tencent Cloud's ``SendSms`` (TC3-signed JSON), checks the signatures with
its configured keys, renders each message from the template catalog, records it in memory, and
answers with a provider message id — or with the provider's error when the signature, number,
sign name, template or parameters are wrong, or when it has been told to fail.

Inspection and control (for people and tests):

- ``GET /messages?to=<phone>``: what was received, oldest first; ``DELETE /messages`` forgets it
- ``GET /receipts?to=<phone>``: delivery reports (every accepted message is DELIVERED at once);
  with a receipt callback URL they are also POSTed there in the provider's report shape
- ``POST /control`` ``{"fail_next": 2, "fail_status": 500, "delay_ms": 300,
  "rate_limit_per_minute": 5, "receipt_callback_url": …, "inbound_callback_url": …}`` (fields
  not given stay as they are); ``GET /control``; ``DELETE /control`` resets to the defaults
- ``POST /control/inbound`` ``{"from": "13800138000", "text": "1"}``: a citizen's reply, POSTed
  to the inbound callback URL in the provider's upstream-message shape
- ``GET /healthz``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from pingan_notify.sms import (
    TENCENT_SERVICE,
    aliyun_signature,
    national_number,
    tc3_signature,
)
from pingan_notify.sms_segments import count_segments
from pingan_notify.templates import default_catalog, fill

# The local stack's credentials (not secrets: they only ever open this simulator).
LOCAL_ALIYUN_ACCESS_KEY_ID = "LTAI-pingan-local"
LOCAL_ALIYUN_ACCESS_KEY_SECRET = "pingan-local-aliyun-secret"
LOCAL_TENCENT_SECRET_ID = "AKID-pingan-local"
LOCAL_TENCENT_SECRET_KEY = "pingan-local-tencent-secret"
LOCAL_TENCENT_SDK_APP_ID = "1400000001"

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
CHINA = timezone(timedelta(hours=8))
ENV_PREFIX = "PINGAN_SMS_SIM_"


@dataclass(frozen=True)
class SimTemplate:
    body: str
    variables: tuple[str, ...]


def catalog_templates() -> dict[str, SimTemplate]:
    """The SMS templates "approved" at the provider: those of the shipped catalog."""
    return {
        code: SimTemplate(t.body, tuple(t.variables))
        for code, t in default_catalog().by_template_code().items()
    }


@dataclass
class SimulatorConfig:
    aliyun_access_key_id: str = LOCAL_ALIYUN_ACCESS_KEY_ID
    aliyun_access_key_secret: str = LOCAL_ALIYUN_ACCESS_KEY_SECRET
    tencent_secret_id: str = LOCAL_TENCENT_SECRET_ID
    tencent_secret_key: str = LOCAL_TENCENT_SECRET_KEY
    tencent_sdk_app_id: str = LOCAL_TENCENT_SDK_APP_ID
    templates: dict[str, SimTemplate] = field(default_factory=catalog_templates)
    receipt_callback_url: str | None = None
    inbound_callback_url: str | None = None
    # Both providers refuse requests signed too long ago (Aliyun 15 min, Tencent 5 min).
    signature_tolerance_s: int = 300

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SimulatorConfig:
        env = os.environ if environ is None else environ
        values = {
            name: env[ENV_PREFIX + name.upper()]
            for name in (
                "aliyun_access_key_id",
                "aliyun_access_key_secret",
                "tencent_secret_id",
                "tencent_secret_key",
                "tencent_sdk_app_id",
                "receipt_callback_url",
                "inbound_callback_url",
            )
            if ENV_PREFIX + name.upper() in env
        }
        return cls(**values)


class Provider(StrEnum):
    ALIYUN = "aliyun"
    TENCENT = "tencent"


class Rejection(StrEnum):
    BAD_NUMBER = "bad_number"
    BAD_SIGN = "bad_sign"
    BAD_TEMPLATE = "bad_template"
    BAD_PARAMS = "bad_params"
    THROTTLED = "throttled"


@dataclass
class Controls:
    fail_next: int = 0
    fail_status: int = 500
    delay_ms: int = 0
    rate_limit_per_minute: int | None = None
    receipt_callback_url: str | None = None
    inbound_callback_url: str | None = None


@dataclass
class SimulatedMessage:
    message_id: str
    provider: str
    to: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    text: str
    segments: int
    received_at: str
    status: str = "DELIVERED"


@dataclass
class Receipt:
    message_id: str
    provider: str
    to: str
    status: str
    send_time: str
    report_time: str
    segments: int


class Gateway:
    """The simulator's state. Every mutation holds one lock: handlers run on uvicorn's loop while
    a test may inspect or reset it from its own thread."""

    def __init__(self, config: SimulatorConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.messages: list[SimulatedMessage] = []
        self.receipts: list[Receipt] = []
        self.controls = self._default_controls()
        self._sent_at: dict[str, deque[float]] = defaultdict(deque)
        self._nonces: dict[str, float] = {}

    def _default_controls(self) -> Controls:
        return Controls(
            receipt_callback_url=self.config.receipt_callback_url,
            inbound_callback_url=self.config.inbound_callback_url,
        )

    # --- control ---

    def update_controls(self, changes: dict[str, Any]) -> Controls:
        with self._lock:
            for name, value in changes.items():
                setattr(self.controls, name, value)
            return Controls(**asdict(self.controls))

    def reset_controls(self) -> None:
        with self._lock:
            self.controls = self._default_controls()

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.receipts.clear()
            self._sent_at.clear()

    def take_failure(self) -> int | None:
        """The status to fail this request with, if a failure was ordered."""
        with self._lock:
            if self.controls.fail_next <= 0:
                return None
            self.controls.fail_next -= 1
            return self.controls.fail_status

    def fresh_nonce(self, nonce: str) -> bool:
        """False when the nonce was used within the tolerance (a replayed request)."""
        now = self.clock()
        with self._lock:
            horizon = now - self.config.signature_tolerance_s
            for old in [n for n, at in self._nonces.items() if at < horizon]:
                del self._nonces[old]
            if nonce in self._nonces:
                return False
            self._nonces[nonce] = now
            return True

    # --- sending ---

    def accept(
        self,
        provider: Provider,
        phone: str,
        sign_name: str,
        template_code: str,
        params: dict[str, str] | list[str],
    ) -> SimulatedMessage | Rejection:
        to = national_number(phone)
        if not MAINLAND_MOBILE.match(to):
            return Rejection.BAD_NUMBER
        if not sign_name.strip():
            return Rejection.BAD_SIGN
        template = self.config.templates.get(template_code)
        if template is None:
            return Rejection.BAD_TEMPLATE
        named = _named_params(template, params)
        if named is None:
            return Rejection.BAD_PARAMS
        text = f"【{sign_name}】{fill(template.body, named)}"
        with self._lock:
            if self._throttled(to):
                return Rejection.THROTTLED
            now = self.clock()
            self._sent_at[to].append(now)
            message = SimulatedMessage(
                message_id=self._message_id(provider),
                provider=provider.value,
                to=to,
                sign_name=sign_name,
                template_code=template_code,
                params=named,
                text=text,
                segments=count_segments(text),
                received_at=_iso(now),
            )
            self.messages.append(message)
            self.receipts.append(
                Receipt(
                    message_id=message.message_id,
                    provider=message.provider,
                    to=to,
                    status="DELIVERED",
                    send_time=message.received_at,
                    report_time=_iso(now),
                    segments=message.segments,
                )
            )
            return message

    def _throttled(self, to: str) -> bool:
        limit = self.controls.rate_limit_per_minute
        if limit is None:
            return False
        window = self._sent_at[to]
        now = self.clock()
        while window and window[0] <= now - 60:
            window.popleft()
        return len(window) >= limit

    def _message_id(self, provider: Provider) -> str:
        n = next(self._ids)
        if provider is Provider.ALIYUN:
            return f"{int(self.clock() * 1000)}{n:06d}^0"
        return f"2433:{secrets.randbelow(10**12):012d}{n:08d}"

    # --- inspection ---

    def messages_to(self, to: str | None) -> list[SimulatedMessage]:
        with self._lock:
            if to is None:
                return list(self.messages)
            return [m for m in self.messages if m.to == national_number(to)]

    def receipts_to(self, to: str | None) -> list[Receipt]:
        with self._lock:
            if to is None:
                return list(self.receipts)
            return [r for r in self.receipts if r.to == national_number(to)]

    def last_provider_for(self, to: str) -> Provider:
        sent = self.messages_to(to)
        return Provider(sent[-1].provider) if sent else Provider.ALIYUN


def _named_params(template: SimTemplate, params: dict[str, str] | list[str]) -> dict | None:
    """The parameters by variable name, or None when they don't fit the template."""
    if isinstance(params, list):
        if len(params) != len(template.variables):
            return None
        return dict(zip(template.variables, (str(p) for p in params), strict=True))
    if any(name not in params for name in template.variables):
        return None
    return {name: str(params[name]) for name in template.variables}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _china_time(iso: str) -> str:
    """Providers report times as China-local ``YYYY-MM-DD HH:MM:SS``."""
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


# --- provider-shaped payloads --------------------------------------------------------------

ALIYUN_REJECTIONS = {
    Rejection.BAD_NUMBER: ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    Rejection.BAD_SIGN: ("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"),
    Rejection.BAD_TEMPLATE: ("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)"),
    Rejection.BAD_PARAMS: ("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"),
    Rejection.THROTTLED: ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控"),
}
TENCENT_REJECTIONS = {
    Rejection.BAD_NUMBER: ("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"),
    Rejection.BAD_SIGN: ("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误"),
    Rejection.BAD_TEMPLATE: ("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或不存在"),
    Rejection.BAD_PARAMS: ("InvalidParameterValue.TemplateParameterFormatError", "模板参数不匹配"),
    Rejection.THROTTLED: ("LimitExceeded.DeliveryFrequencyLimit", "下发短信命中了频率限制策略"),
}


def aliyun_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message},
        status_code=status,
    )


def tencent_error(status: int, code: str, message: str) -> JSONResponse:
    error = {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}
    return JSONResponse({"Response": error}, status_code=status)


def aliyun_report(receipt: Receipt) -> dict[str, Any]:
    return {
        "phone_number": receipt.to,
        "send_time": _china_time(receipt.send_time),
        "report_time": _china_time(receipt.report_time),
        "success": receipt.status == "DELIVERED",
        "err_code": receipt.status,
        "err_msg": "用户接收成功",
        "sms_size": str(receipt.segments),
        "biz_id": receipt.message_id,
    }


def tencent_report(receipt: Receipt) -> dict[str, Any]:
    return {
        "user_receive_time": _china_time(receipt.report_time),
        "nationcode": "86",
        "mobile": receipt.to,
        "report_status": "SUCCESS" if receipt.status == "DELIVERED" else "FAIL",
        "errmsg": "DELIVRD",
        "description": "用户短信送达成功",
        "sid": receipt.message_id,
    }


def aliyun_inbound(phone: str, text: str, sign_name: str, now: float) -> list[dict[str, Any]]:
    return [
        {
            "phone_number": phone,
            "send_time": _china_time(_iso(now)),
            "content": text,
            "sign_name": sign_name,
            "dest_code": "",
            "sequence_id": int(now * 1000),
        }
    ]


def tencent_inbound(phone: str, text: str, sign_name: str, now: float) -> dict[str, Any]:
    return {
        "extend": "",
        "mobile": phone,
        "nationcode": "86",
        "sign": sign_name,
        "text": text,
        "time": int(now),
    }


# --- the app -------------------------------------------------------------------------------


class ControlChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_next: int | None = Field(default=None, ge=0, examples=[2])
    fail_status: int | None = Field(default=None, ge=400, le=599, examples=[500])
    delay_ms: int | None = Field(default=None, ge=0, le=60_000, examples=[300])
    rate_limit_per_minute: int | None = Field(default=None, ge=1, examples=[5])
    receipt_callback_url: str | None = None
    inbound_callback_url: str | None = None


class InboundReply(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", examples=["13800138000"])
    text: str = Field(examples=["1"])
    provider: Provider | None = Field(
        default=None, description="Shape of the callback; default: the last one used to the number"
    )


def create_app(
    config: SimulatorConfig | None = None, *, clock: Callable[[], float] = time.time
) -> FastAPI:
    gateway = Gateway(config or SimulatorConfig(), clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=10) as client:
            app.state.callbacks = client
            yield

    app = FastAPI(title="Pingan SMS gateway simulator", lifespan=lifespan)
    app.state.gateway = gateway

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route("/aliyun", methods=["GET", "POST"])
    @app.api_route("/aliyun/", methods=["GET", "POST"], include_in_schema=False)
    async def aliyun_send_sms(request: Request) -> JSONResponse:
        await _pause(gateway)
        params = dict(parse_qsl(request.url.query, keep_blank_values=True))
        if request.method == "POST":
            params |= dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        refused = _check_aliyun_request(gateway, request.method, params)
        if refused is not None:
            return refused
        failure = gateway.take_failure()
        if failure is not None:
            code = {429: "Throttling", 503: "ServiceUnavailable"}.get(failure, "InternalError")
            return aliyun_error(failure, code, "The request processing has failed.")
        try:
            template_params = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return aliyun_error(400, "InvalidParameter", "TemplateParam is not JSON")
        phones = params.get("PhoneNumbers", "").split(",")
        if not all(MAINLAND_MOBILE.match(national_number(p)) for p in phones):
            # One bad number refuses the whole batch, as the provider does.
            return aliyun_error(200, *ALIYUN_REJECTIONS[Rejection.BAD_NUMBER])
        outcomes = [
            gateway.accept(
                Provider.ALIYUN,
                phone,
                params.get("SignName", ""),
                params.get("TemplateCode", ""),
                template_params,
            )
            for phone in phones
        ]
        rejected = next((o for o in outcomes if isinstance(o, Rejection)), None)
        if rejected is not None:
            return aliyun_error(200, *ALIYUN_REJECTIONS[rejected])
        sent = [o for o in outcomes if isinstance(o, SimulatedMessage)]
        body = {
            "RequestId": str(uuid.uuid4()).upper(),
            "Code": "OK",
            "Message": "OK",
            "BizId": sent[0].message_id,
        }
        return JSONResponse(body, background=_receipts_task(app, gateway, sent))

    @app.post("/tencent")
    @app.post("/tencent/", include_in_schema=False)
    async def tencent_send_sms(request: Request) -> JSONResponse:
        await _pause(gateway)
        payload = await request.body()
        refused = _check_tencent_request(gateway, request, payload)
        if refused is not None:
            return refused
        failure = gateway.take_failure()
        if failure is not None:
            code = "RequestLimitExceeded" if failure == 429 else "InternalError.BackendError"
            return tencent_error(failure, code, "请求失败")
        try:
            body = json.loads(payload)
        except ValueError:
            return tencent_error(200, "InvalidParameter", "request body is not JSON")
        if body.get("SmsSdkAppId") != gateway.config.tencent_sdk_app_id:
            return tencent_error(200, "InvalidParameterValue.SdkAppIdNotExist", "SdkAppId不存在")
        statuses, sent = [], []
        for phone in body.get("PhoneNumberSet") or []:
            outcome = gateway.accept(
                Provider.TENCENT,
                phone,
                body.get("SignName", ""),
                str(body.get("TemplateId", "")),
                [str(p) for p in body.get("TemplateParamSet") or []],
            )
            statuses.append(_tencent_status(phone, outcome))
            if isinstance(outcome, SimulatedMessage):
                sent.append(outcome)
        response = {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}
        return JSONResponse(response, background=_receipts_task(app, gateway, sent))

    @app.get("/messages")
    async def list_messages(to: str | None = None) -> dict[str, Any]:
        return {"items": [asdict(m) for m in gateway.messages_to(to)]}

    @app.delete("/messages", status_code=204)
    async def clear_messages() -> None:
        gateway.clear()

    @app.get("/receipts")
    async def list_receipts(to: str | None = None) -> dict[str, Any]:
        return {"items": [asdict(r) for r in gateway.receipts_to(to)]}

    @app.get("/control")
    async def show_controls() -> dict[str, Any]:
        return asdict(gateway.controls)

    @app.post("/control")
    async def change_controls(changes: ControlChanges) -> dict[str, Any]:
        return asdict(gateway.update_controls(changes.model_dump(exclude_unset=True)))

    @app.delete("/control", status_code=204)
    async def reset_controls() -> None:
        gateway.reset_controls()

    @app.post("/control/inbound")
    async def forward_inbound(reply: InboundReply) -> JSONResponse:
        url = gateway.controls.inbound_callback_url
        if not url:
            return JSONResponse({"detail": "no inbound_callback_url configured"}, status_code=409)
        phone = national_number(reply.from_)
        provider = reply.provider or gateway.last_provider_for(phone)
        shape = aliyun_inbound if provider is Provider.ALIYUN else tencent_inbound
        sent = gateway.messages_to(phone)
        sign_name = sent[-1].sign_name if sent else ""
        payload = shape(phone, reply.text, sign_name, gateway.clock())
        try:
            answer = await app.state.callbacks.post(url, json=payload)
        except httpx.HTTPError as exc:
            return JSONResponse({"forwarded_to": url, "error": str(exc)}, status_code=502)
        return JSONResponse(
            {"forwarded_to": url, "status_code": answer.status_code, "payload": payload}
        )

    return app


async def _pause(gateway: Gateway) -> None:
    if gateway.controls.delay_ms:
        await asyncio.sleep(gateway.controls.delay_ms / 1000)


def _check_aliyun_request(gateway: Gateway, method: str, params: dict) -> JSONResponse | None:
    config = gateway.config
    if params.get("Action") != "SendSms":
        return aliyun_error(400, "InvalidParameter", "Action must be SendSms")
    if params.get("AccessKeyId") != config.aliyun_access_key_id:
        return aliyun_error(404, "InvalidAccessKeyId.NotFound", "Specified access key not found.")
    expected = aliyun_signature(method, params, config.aliyun_access_key_secret)
    if not secrets.compare_digest(params.get("Signature", ""), expected):
        return aliyun_error(
            400,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
        )
    try:
        signed_at = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return aliyun_error(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
    age = abs(gateway.clock() - signed_at.replace(tzinfo=UTC).timestamp())
    if age > config.signature_tolerance_s:
        return aliyun_error(400, "InvalidTimeStamp.Expired", "Specified time stamp is expired.")
    if not gateway.fresh_nonce(params.get("SignatureNonce", "")):
        return aliyun_error(400, "SignatureNonceUsed", "Specified nonce was used already.")
    return None


def _check_tencent_request(
    gateway: Gateway, request: Request, payload: bytes
) -> JSONResponse | None:
    config = gateway.config
    authorization = _parse_tc3_authorization(request.headers.get("authorization", ""))
    if authorization is None:
        return tencent_error(200, "AuthFailure.SignatureFailure", "Authorization头格式错误")
    secret_id, signed_names, signature = authorization
    if secret_id != config.tencent_secret_id:
        return tencent_error(200, "AuthFailure.SecretIdNotFound", "密钥不存在")
    try:
        timestamp = int(request.headers.get("x-tc-timestamp", ""))
    except ValueError:
        return tencent_error(200, "AuthFailure.SignatureFailure", "X-TC-Timestamp缺失")
    if "content-type" not in signed_names or "host" not in signed_names:
        return tencent_error(200, "AuthFailure.SignatureFailure", "content-type和host必须签名")
    expected = tc3_signature(
        secret_key=config.tencent_secret_key,
        service=TENCENT_SERVICE,
        timestamp=timestamp,
        headers={name: request.headers.get(name, "") for name in signed_names},
        payload=payload,
    )
    if not secrets.compare_digest(signature, expected):
        return tencent_error(200, "AuthFailure.SignatureFailure", "签名错误")
    if abs(gateway.clock() - timestamp) > config.signature_tolerance_s:
        return tencent_error(200, "AuthFailure.SignatureExpire", "签名过期")
    if request.headers.get("x-tc-action", "").lower() != "sendsms":
        return tencent_error(200, "InvalidAction", "只支持SendSms")
    return None


_TC3_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/\d{4}-\d{2}-\d{2}/[a-z]+/tc3_request, "
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


def _parse_tc3_authorization(header: str) -> tuple[str, list[str], str] | None:
    match = _TC3_AUTHORIZATION.match(header)
    if match is None:
        return None
    return match["id"], match["headers"].split(";"), match["signature"]


def _tencent_status(phone: str, outcome: SimulatedMessage | Rejection) -> dict[str, Any]:
    if isinstance(outcome, Rejection):
        code, message = TENCENT_REJECTIONS[outcome]
        return {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "Code": code, "Message": message}
    return {
        "SerialNo": outcome.message_id,
        "PhoneNumber": phone,
        "Fee": outcome.segments,
        "SessionContext": "",
        "Code": "Ok",
        "Message": "send success",
        "IsoCode": "CN",
    }


def _receipts_task(
    app: FastAPI, gateway: Gateway, sent: list[SimulatedMessage]
) -> BackgroundTask | None:
    url = gateway.controls.receipt_callback_url
    if not url or not sent:
        return None
    ids = {m.message_id for m in sent}
    receipts = [r for r in gateway.receipts_to(None) if r.message_id in ids]
    shape = aliyun_report if sent[0].provider == Provider.ALIYUN else tencent_report
    payload = [shape(r) for r in receipts]
    return BackgroundTask(_post_quietly, app.state.callbacks, url, payload)


async def _post_quietly(client: httpx.AsyncClient, url: str, payload: Any) -> None:
    # A receiver that is down loses the push, as with the real providers; /receipts keeps it.
    with suppress(httpx.HTTPError):
        await client.post(url, json=payload)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(
        prog="python -m pingan_notify.sms_simulator",
        description="Local SMS gateway simulator (Aliyun- and Tencent-style SendSms).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8006)
    parser.add_argument("--receipt-callback-url", default=None)
    parser.add_argument("--inbound-callback-url", default=None)
    args = parser.parse_args(argv)
    config = SimulatorConfig.from_env()
    if args.receipt_callback_url:
        config.receipt_callback_url = args.receipt_callback_url
    if args.inbound_callback_url:
        config.inbound_callback_url = args.inbound_callback_url
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
