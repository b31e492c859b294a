"""The local stack authenticates the SMS gateway's callbacks to notify with a per-run token."""

from __future__ import annotations

from pathlib import Path

from pingan_common.devstack.config import StackConfig
from pingan_common.devstack.paths import RunPaths


def _config(tmp_path: Path, **env: str) -> StackConfig:
    return StackConfig.from_env(RunPaths(root=tmp_path, repo=tmp_path), env=dict(env))


def test_notify_gets_a_token_made_once_per_run_directory(tmp_path: Path) -> None:
    first = _config(tmp_path).service_env("notify")["PINGAN_NOTIFY_SMS_CALLBACK_TOKEN"]
    again = _config(tmp_path).service_env("notify")["PINGAN_NOTIFY_SMS_CALLBACK_TOKEN"]
    assert len(first) >= 24
    assert again == first
    assert (tmp_path / "keys" / "sms-callback-token").stat().st_mode & 0o077 == 0


def test_the_callers_token_wins_and_other_services_get_none(tmp_path: Path) -> None:
    config = _config(tmp_path, PINGAN_NOTIFY_SMS_CALLBACK_TOKEN="from-the-operator")
    assert config.sms_callback_token == "from-the-operator"
    assert config.service_env("notify")["PINGAN_NOTIFY_SMS_CALLBACK_TOKEN"] == "from-the-operator"
    assert "PINGAN_NOTIFY_SMS_CALLBACK_TOKEN" not in _config(tmp_path).service_env("intake")
