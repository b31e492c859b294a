"""The SMS adapters against the real gateway simulator over HTTP: what each outcome means.

Sent, retryable (5xx, timeouts, throttling, a gateway that is down) or permanent (bad number,
template, signature). The signatures and segment counting alone: ``unit/test_sms_signing.py``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from pingan_notify.sms.providers import SmsMessage, SmsOutcome
from pingan_notify.sms.segments import count_segments
from services.notify.tests.service.gateway import running_sms_gateway, template_sms

PHONE = "13800138000"


def receipt_sms(phone: str = PHONE, ticket_number: str = "QS20261123000042") -> SmsMessage:
    return template_sms("ticket_receipt.sms", phone=phone, ticket_number=ticket_number)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, sms_gateway, client):  # type: ignore[no-untyped-def]
    return getattr(sms_gateway, request.param)(client)


# --- outcomes through the simulator -------------------------------------------------------


async def test_a_signed_send_is_accepted_and_recorded_with_the_providers_message_id(
    provider, sms_gateway
):
    message = receipt_sms()

    result = await provider.send(message)

    assert result.outcome is SmsOutcome.SENT, result
    assert result.provider_message_id
    (recorded,) = await sms_gateway.messages(PHONE)
    assert recorded["message_id"] == result.provider_message_id
    assert recorded["provider"] == provider.name
    assert recorded["to"] == PHONE
    assert recorded["template_code"] == message.template_code
    assert recorded["params"] == {"ticket_number": "QS20261123000042"}
    assert recorded["sign_name"] == message.sign_name
    # The gateway renders the approved template from the parameters: same text we counted.
    assert recorded["text"] == message.text
    assert recorded["segments"] == result.segments == count_segments(message.text)


@pytest.mark.parametrize("kind", ["aliyun", "tencent"])
async def test_a_request_signed_with_the_wrong_key_is_refused_permanently(
    kind, sms_gateway, client
):
    wrong = {"aliyun": {"access_key_secret": "not-it"}, "tencent": {"secret_key": "not-it"}}
    provider = getattr(sms_gateway, kind)(client, **wrong[kind])

    result = await provider.send(receipt_sms())

    assert result.outcome is SmsOutcome.PERMANENT
    assert result.error_code in {"SignatureDoesNotMatch", "AuthFailure.SignatureFailure"}
    assert await sms_gateway.messages(PHONE) == []


@pytest.mark.parametrize("kind", ["aliyun", "tencent"])
async def test_an_unknown_access_key_is_refused_permanently(kind, sms_gateway, client):
    unknown = {"aliyun": {"access_key_id": "LTAI-nobody"}, "tencent": {"secret_id": "AKID-x"}}
    provider = getattr(sms_gateway, kind)(client, **unknown[kind])

    result = await provider.send(receipt_sms())

    assert result.outcome is SmsOutcome.PERMANENT
    assert result.error_code in {"InvalidAccessKeyId.NotFound", "AuthFailure.SecretIdNotFound"}


async def test_ordered_server_failures_are_retryable_and_then_the_send_goes_through(
    provider, sms_gateway
):
    await sms_gateway.control(fail_next=2, fail_status=500)

    first = await provider.send(receipt_sms())
    second = await provider.send(receipt_sms())
    third = await provider.send(receipt_sms())

    assert [r.outcome for r in (first, second, third)] == [
        SmsOutcome.RETRYABLE,
        SmsOutcome.RETRYABLE,
        SmsOutcome.SENT,
    ]
    assert first.http_status == 500
    assert len(await sms_gateway.messages(PHONE)) == 1


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("aliyun", 503, "ServiceUnavailable"),
        ("aliyun", 429, "Throttling"),
        ("tencent", 503, "InternalError.BackendError"),
        ("tencent", 429, "RequestLimitExceeded"),
    ],
)
async def test_unavailable_and_too_many_requests_are_retryable_too(
    kind, status, code, sms_gateway, client
):
    await sms_gateway.control(fail_next=1, fail_status=status)

    result = await getattr(sms_gateway, kind)(client).send(receipt_sms())

    assert result.outcome is SmsOutcome.RETRYABLE
    assert (result.http_status, result.error_code) == (status, code)


async def test_a_slow_gateway_is_waited_for_within_the_timeout(provider, sms_gateway):
    await sms_gateway.control(delay_ms=300)

    started = time.perf_counter()
    result = await provider.send(receipt_sms())
    elapsed = time.perf_counter() - started

    assert result.outcome is SmsOutcome.SENT
    assert elapsed >= 0.3


async def test_a_gateway_slower_than_the_timeout_is_a_retryable_failure(sms_gateway):
    await sms_gateway.control(delay_ms=500)

    async with httpx.AsyncClient(timeout=0.1) as impatient:
        result = await sms_gateway.tencent(impatient).send(receipt_sms())

    assert result.outcome is SmsOutcome.RETRYABLE
    assert result.error_code == "ReadTimeout"


async def test_a_gateway_that_is_down_is_a_retryable_failure(client):
    with running_sms_gateway() as gateway:
        provider = gateway.aliyun(client)
    # The server has stopped: nothing listens on its port any more.

    result = await provider.send(receipt_sms())

    assert result.outcome is SmsOutcome.RETRYABLE
    assert result.error_code == "ConnectError"


async def test_throttling_by_the_provider_is_retryable(provider, sms_gateway):
    await sms_gateway.control(rate_limit_per_minute=2)

    results = [await provider.send(receipt_sms()) for _ in range(3)]
    other_number = await provider.send(receipt_sms(phone="13900139000"))

    assert [r.outcome for r in results] == [
        SmsOutcome.SENT,
        SmsOutcome.SENT,
        SmsOutcome.RETRYABLE,
    ]
    assert results[2].error_code in {
        "isv.BUSINESS_LIMIT_CONTROL",
        "LimitExceeded.DeliveryFrequencyLimit",
    }
    assert other_number.outcome is SmsOutcome.SENT
    assert len(await sms_gateway.messages(PHONE)) == 2


@pytest.mark.parametrize("phone", ["12345", "23800138000", "1380013800"])
async def test_a_bad_number_is_a_permanent_failure(phone, provider, sms_gateway):
    result = await provider.send(receipt_sms(phone=phone))

    assert result.outcome is SmsOutcome.PERMANENT
    assert result.error_code in {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "InvalidParameterValue.IncorrectPhoneNumber",
    }
    assert await sms_gateway.messages() == []


async def test_an_unapproved_template_is_a_permanent_failure(provider):
    message = receipt_sms()
    unapproved = SmsMessage(message.phone, message.sign_name, "SMS_000000", {}, message.text)

    result = await provider.send(unapproved)

    assert result.outcome is SmsOutcome.PERMANENT
    assert result.error_code in {
        "isv.SMS_TEMPLATE_ILLEGAL",
        "FailedOperation.TemplateIncorrectOrUnapproved",
    }


async def test_parameters_that_do_not_fit_the_template_are_a_permanent_failure(provider):
    message = receipt_sms()
    no_params = SmsMessage(message.phone, message.sign_name, message.template_code, {}, "")

    result = await provider.send(no_params)

    assert result.outcome is SmsOutcome.PERMANENT


async def test_numbers_written_with_the_country_code_reach_the_same_handset(provider, sms_gateway):
    await provider.send(receipt_sms(phone="+8613800138000"))

    (recorded,) = await sms_gateway.messages("13800138000")
    assert recorded["to"] == "13800138000"
