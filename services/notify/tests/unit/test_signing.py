"""Webhook signatures: round trip, tampering, stale and replayed timestamps, secret rotation,
and the copy-paste snippet of docs/webhooks.md checking real signatures."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pingan_notify.webhooks.signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureVerificationError,
    sign,
    verify,
)

NOW = 1_795_000_000
BODY = json.dumps(
    {"id": "0195f1a0-0000-7000-8000-000000000001", "type": "pingan.intake.ticket.registered.v1"},
    ensure_ascii=False,
).encode()


def signed(secrets: Any = "whsec-old", *, body: bytes = BODY, timestamp: int = NOW) -> dict:
    return sign(secrets, event_id="evt-1", body=body, timestamp=timestamp)


def test_a_signed_delivery_verifies_and_yields_its_event_id():
    headers = signed()

    assert verify("whsec-old", headers, BODY, now=NOW) == "evt-1"
    assert headers[SIGNATURE_HEADER].startswith("v1=")
    assert headers[TIMESTAMP_HEADER] == str(NOW)
    assert headers[EVENT_ID_HEADER] == "evt-1"


def test_header_names_are_matched_whatever_their_case():
    headers = {name.lower(): value for name, value in signed().items()}

    assert verify("whsec-old", headers, BODY, now=NOW) == "evt-1"


def test_a_tampered_body_fails():
    headers = signed()
    tampered = BODY.replace(b"registered", b"retracted")

    with pytest.raises(SignatureVerificationError, match="no signature matches"):
        verify("whsec-old", headers, tampered, now=NOW)


def test_a_changed_timestamp_fails_because_it_is_signed_too():
    headers = signed() | {TIMESTAMP_HEADER: str(NOW + 1)}

    with pytest.raises(SignatureVerificationError):
        verify("whsec-old", headers, BODY, now=NOW)


def test_another_secret_fails():
    with pytest.raises(SignatureVerificationError):
        verify("whsec-someone-else", signed(), BODY, now=NOW)


@pytest.mark.parametrize("age", [-301, 301, 3600])
def test_a_timestamp_outside_the_tolerance_fails(age):
    headers = signed(timestamp=NOW - age)

    with pytest.raises(SignatureVerificationError, match="tolerance"):
        verify("whsec-old", headers, BODY, now=NOW)


@pytest.mark.parametrize("age", [-300, 0, 300])
def test_a_timestamp_within_the_tolerance_passes(age):
    assert verify("whsec-old", signed(timestamp=NOW - age), BODY, now=NOW) == "evt-1"


def test_a_missing_header_fails():
    headers = signed()
    del headers[SIGNATURE_HEADER]

    with pytest.raises(SignatureVerificationError, match="missing"):
        verify("whsec-old", headers, BODY, now=NOW)


def test_during_rotation_each_secret_alone_verifies():
    headers = signed(["whsec-old", "whsec-new"])

    assert re.fullmatch(r"v1=[0-9a-f]{64},v1=[0-9a-f]{64}", headers[SIGNATURE_HEADER])
    assert verify("whsec-old", headers, BODY, now=NOW) == "evt-1"
    assert verify("whsec-new", headers, BODY, now=NOW) == "evt-1"
    assert verify(["whsec-new", "whsec-old"], signed("whsec-old"), BODY, now=NOW) == "evt-1"
    with pytest.raises(SignatureVerificationError):
        verify("whsec-retired", headers, BODY, now=NOW)


def test_signing_needs_a_secret():
    with pytest.raises(ValueError):
        sign([], event_id="evt-1", body=BODY)


# --- the documented receiver snippet ---------------------------------------------------------


def test_the_documented_snippet_verifies_a_real_signature(verify_pingan_webhook):
    headers = sign("whsec-doc", event_id="evt-doc", body=BODY)  # signed now, on the real clock

    assert verify_pingan_webhook("whsec-doc", headers, BODY) == "evt-doc"


def test_the_documented_snippet_accepts_either_signature_during_rotation(verify_pingan_webhook):
    headers = signed(["whsec-old", "whsec-new"])

    assert verify_pingan_webhook("whsec-new", headers, BODY, now=NOW) == "evt-1"


@pytest.mark.parametrize(
    ("change", "secret", "now"),
    [
        ("body", "whsec-doc", NOW),
        ("none", "whsec-wrong", NOW),
        ("none", "whsec-doc", NOW + 301),
        ("drop-signature", "whsec-doc", NOW),
    ],
)
def test_the_documented_snippet_rejects_what_the_reference_rejects(
    change, secret, now, verify_pingan_webhook
):
    headers = signed("whsec-doc")
    body = BODY
    if change == "body":
        body = BODY + b" "
    if change == "drop-signature":
        del headers[SIGNATURE_HEADER]

    with pytest.raises(ValueError):
        verify_pingan_webhook(secret, headers, body, now=now)
    with pytest.raises(SignatureVerificationError):
        verify(secret, headers, body, now=now)
