"""Notify's key at mediation (a session notice's party numbers): the development default is
the key mediation's contact-reader hash stands for, and production refuses to keep it; the
``party:`` recipient a notice is queued for names its case and reference (pure: no I/O)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from pydantic import ValidationError

from pingan_mediation.settings import MediationSettings
from pingan_notify.settings import NotifySettings
from pingan_notify.sms.party_contact import parse_party_recipient, party_recipient_id

PRODUCTION_SECRETS = {
    "intake_api_key": "prod-intake-key",
    "phone_hash_key": "prod-hash-key",
    "police_feedback_webhook_secret": "prod-110-secret",
}


def test_the_development_key_is_the_one_mediation_lets_read_contacts():
    key = NotifySettings().mediation_api_key

    assert hashlib.sha256(key.encode()).hexdigest() == MediationSettings().contact_reader_key_sha256


def test_production_refuses_the_development_mediation_key():
    with pytest.raises(ValidationError, match="PINGAN_NOTIFY_MEDIATION_API_KEY"):
        NotifySettings(environment="production", **PRODUCTION_SECRETS)


def test_production_starts_with_its_own_mediation_key():
    settings = NotifySettings(
        environment="production", mediation_api_key="prod-mediation-key", **PRODUCTION_SECRETS
    )

    assert settings.mediation_api_key == "prod-mediation-key"


def test_a_party_recipient_names_its_case_and_reference():
    case_id = uuid.uuid4()

    party = parse_party_recipient(party_recipient_id(case_id, "P2"))

    assert party is not None and (party.case_id, party.ref) == (case_id, "P2")


def test_people_read_a_party_recipient_as_the_party_not_the_case_id():
    recipient = party_recipient_id(uuid.uuid4(), "P1")

    assert recipient.partition("#")[0] == "当事人P1"


@pytest.mark.parametrize(
    "recipient",
    [
        "138****1234#3f2a",
        "caller:QS1",
        "当事人P1#party:nope",
        "当事人#party:" + str(uuid.UUID(int=1)),
        None,
    ],
)
def test_other_recipients_are_no_party(recipient):
    assert parse_party_recipient(recipient) is None
