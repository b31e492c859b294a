"""The SMS provider's callbacks: citizens' replies (上行) and delivery receipts (状态报告).

Both accept the Aliyun-style (a JSON array of objects with ``phone_number``) and the
Tencent-style shape (objects with ``mobile``). They are called by the provider, not by staff,
and the callback URL configured at the provider must carry ``?token=<sms_callback_token>``:
without it anyone could answer a citizen's satisfaction survey and close a task. A notify with
no token configured takes no callbacks at all (503), and one callback carries at most
``MAX_CALLBACK_ITEMS`` replies or reports (413).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from pingan_common.problems import ProblemError, Unauthorized, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.throttling import credential_failed
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.metrics import DELIVERIES
from pingan_notify.sms.aliyun import AliyunStyleSmsProvider
from pingan_notify.sms.receipts import record_report
from pingan_notify.sms.schemas import InboundResult, ReceiptResult
from pingan_notify.sms.tencent import TencentStyleSmsProvider
from pingan_notify.state import NotifyStateDep
from pingan_notify.surveys.callback_survey import receive_reply

router = APIRouter(prefix="/v1/sms", tags=["sms"])


MAX_CALLBACK_ITEMS = 100


def _check_token(
    request: Request, state: NotifyStateDep, token: str | None = Query(default=None)
) -> None:
    try:
        check_callback_token(state.settings.sms_callback_token, token)
    except Unauthorized:
        credential_failed(request)  # token guessing locks the address out (throttling)
        raise


def check_callback_token(expected: str | None, token: str | None) -> None:
    if not expected:
        raise ProblemError(
            503,
            "Service Unavailable",
            "SMS callbacks are not configured here (PINGAN_NOTIFY_SMS_CALLBACK_TOKEN)",
        )
    if not (token and hmac.compare_digest(token.encode(), expected.encode())):
        raise Unauthorized("the provider callback token is missing or wrong", bearer_error=None)


Checked = Depends(_check_token)


@router.post(
    "/inbound",
    response_model=InboundResult,
    dependencies=[Checked],
    responses=problem_responses(400, 401, 413, 503),
    summary="A citizen's SMS reply, from the provider (answers the callback survey)",
)
async def inbound(
    runtime: RuntimeDep, state: NotifyStateDep, payload: Annotated[Any, Body()]
) -> InboundResult:
    replies = _parse(payload, inbound=True)
    outcomes = []
    for reply in replies:
        async with runtime.transaction() as session:
            writer = DeliveryWriter.for_session(state, runtime, session, runtime.now())
            outcomes.append(
                await receive_reply(writer, reply.phone, state.phone_hash(reply.phone), reply.text)
            )
    return InboundResult(received=len(replies), outcomes=outcomes)


@router.post(
    "/receipts",
    response_model=ReceiptResult,
    dependencies=[Checked],
    responses=problem_responses(400, 401, 413, 503),
    summary="Delivery reports from the provider: a sent SMS becomes delivered",
)
async def receipts(runtime: RuntimeDep, payload: Annotated[Any, Body()]) -> ReceiptResult:
    reports = [r for r in _parse(payload, inbound=False) if r.delivered]
    updated = 0
    async with runtime.transaction() as session:
        for report in reports:
            updated += await record_report(session, report.provider_message_id, runtime.now())
    if updated:
        DELIVERIES.labels("sms", "delivered").inc(updated)
    return ReceiptResult(updated=updated)


def _parse(payload: Any, *, inbound: bool) -> list[Any]:
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > MAX_CALLBACK_ITEMS:
        raise ProblemError(
            413,
            "Content Too Large",
            f"one callback carries at most {MAX_CALLBACK_ITEMS} items, not {len(items)}",
        )
    if not all(isinstance(item, dict) for item in items):
        raise ProblemError(400, "Bad Request", "expected a JSON object or an array of objects")
    if not items:
        return []
    adapter = AliyunStyleSmsProvider if "phone_number" in items[0] else TencentStyleSmsProvider
    parse = adapter.parse_inbound if inbound else adapter.parse_receipts
    try:
        return list(parse(items))
    except (KeyError, TypeError) as error:
        raise ProblemError(
            400, "Bad Request", f"not a provider callback: missing {error}"
        ) from error
