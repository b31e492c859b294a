"""In production a service refuses to start while a secret still has its development default;
in development the defaults are fine (the local stack and the tests rely on them)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pingan_intake.settings import IntakeSettings
from pingan_notify.settings import NotifySettings
from pingan_riskassess.settings import RiskassessSettings


def test_development_accepts_the_default_secrets() -> None:
    assert IntakeSettings().environment == "development"
    NotifySettings()
    RiskassessSettings()


def test_production_names_every_secret_left_at_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PINGAN_ENVIRONMENT", "production")
    monkeypatch.setenv("PINGAN_NOTIFY_PHONE_HASH_KEY", "a-real-per-deployment-key")
    with pytest.raises(ValidationError) as caught:
        NotifySettings()
    message = str(caught.value)
    assert "PINGAN_NOTIFY_INTAKE_API_KEY" in message
    assert "PINGAN_NOTIFY_POLICE_FEEDBACK_WEBHOOK_SECRET" in message
    assert "PINGAN_NOTIFY_PHONE_HASH_KEY" not in message


def test_production_starts_once_the_secrets_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINGAN_ENVIRONMENT", "production")
    with pytest.raises(ValidationError):
        IntakeSettings()
    monkeypatch.setenv("PINGAN_INTAKE_PHONE_HASH_KEY", "a-real-per-deployment-key")
    assert IntakeSettings().environment == "production"
