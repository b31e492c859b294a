"""The simulator's HTTP app (send endpoints, controls, listings) and its command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from pingan_notify.sms.aliyun import aliyun_signature
from pingan_notify.sms.providers import national_number
from pingan_notify.sms.tencent import TENCENT_SERVICE, tc3_signature
from pingan_notify.sms_simulator.gateway import (
    MAINLAND_MOBILE,
    Gateway,
    Provider,
    Rejection,
    SimulatedMessage,
    SimulatorConfig,
)
from pingan_notify.sms_simulator.payloads import (
    ALIYUN_REJECTIONS,
    TENCENT_REJECTIONS,
    aliyun_error,
    aliyun_inbound,
    aliyun_report,
    tencent_error,
    tencent_inbound,
    tencent_report,
)


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
    return BackgroundTask(_push_detached, app.state.callbacks, url, payload)


_pushes: set[asyncio.Task[None]] = set()


async def _push_detached(client: httpx.AsyncClient, url: str, payload: Any) -> None:
    """Push on its own task: retrying must not hold the SendSms connection (a background task
    runs inside the request, and the client's next request on that connection would wait)."""
    task = asyncio.create_task(_post_quietly(client, url, payload))
    _pushes.add(task)
    task.add_done_callback(_pushes.discard)


# A push the receiver does not acknowledge with a 2xx is tried again, as the providers do, for
# about a minute (0.5 s, then doubling up to 16 s); after that it is lost and only /receipts
# keeps it. A notify that was restarting when the report came still gets it.
PUSH_RETRY_DELAYS_S = (0.5, 1, 2, 4, 8, 16, 16, 16)


async def _post_quietly(client: httpx.AsyncClient, url: str, payload: Any) -> None:
    for delay in (*PUSH_RETRY_DELAYS_S, None):
        with suppress(httpx.HTTPError):
            response = await client.post(url, json=payload)
            if response.is_success:
                return
        if delay is None:
            return
        await asyncio.sleep(delay)


def main(argv: list[str] | None = None) -> None:
    from pingan_common.serving import serve

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
    serve(create_app(config), host=args.host, port=args.port, log_level="info")
