"""PINGAN_STACK_PORT_OFFSET moves every port of the local stack, so a second stack can run
beside the usual one (the chaos test's own stack)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pingan_common.devstack.config import StackConfig, StartupError
from pingan_common.devstack.paths import RunPaths


def _config(tmp_path: Path, **env: str) -> StackConfig:
    return StackConfig.from_env(RunPaths(root=tmp_path, repo=tmp_path), env=dict(env))


def test_without_an_offset_the_ports_are_the_documented_ones(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert (config.pg_port, config.kafka_port) == (5432, 9092)
    assert config.issuer_url == "http://127.0.0.1:8009"
    assert config.sms_gateway_url == "http://127.0.0.1:8006"
    assert config.service_url("intake") == "http://127.0.0.1:8001"
    assert "PINGAN_NOTIFY_INTAKE_BASE_URL" not in config.service_env("notify")


def test_an_offset_moves_every_port_and_every_address_between_them(tmp_path: Path) -> None:
    config = _config(tmp_path, PINGAN_STACK_PORT_OFFSET="1000")
    assert (config.pg_port, config.kafka_port) == (6432, 10092)
    assert config.bootstrap_servers == "127.0.0.1:10092"
    assert config.issuer_url == "http://127.0.0.1:9009"
    assert config.service_url("intake") == "http://127.0.0.1:9001"
    assert config.service_url("console") == "http://127.0.0.1:9000"
    notify = config.service_env("notify")
    assert notify["PINGAN_NOTIFY_INTAKE_BASE_URL"] == "http://127.0.0.1:9001"
    assert notify["PINGAN_NOTIFY_RISKASSESS_BASE_URL"] == "http://127.0.0.1:9004"
    assert notify["PINGAN_NOTIFY_SMS_BASE_URL"] == "http://127.0.0.1:9006"
    assert notify["PINGAN_AUTH_ISSUER"] == "http://127.0.0.1:9009"
    assert "6432/pingan_notify" in notify["PINGAN_NOTIFY_DATABASE_URL"]
    console = config.service_env("console")
    assert console["PINGAN_CONSOLE_DISPATCH_URL"] == "http://127.0.0.1:9002"
    assert console["PINGAN_CONSOLE_TOKEN_URL"] == "http://127.0.0.1:9009/token"
    assert config.start_issuer and config.start_sms_gateway


def test_explicit_settings_still_win_over_the_offset(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        PINGAN_STACK_PORT_OFFSET="1000",
        PINGAN_STACK_PG_PORT="7000",
        PINGAN_INTAKE_PORT="7001",
    )
    assert config.pg_port == 7000
    assert config.service_url("intake") == "http://127.0.0.1:7001"


@pytest.mark.parametrize("offset", ["-1", "lots", "60000"])
def test_a_bad_offset_is_refused(tmp_path: Path, offset: str) -> None:
    with pytest.raises(StartupError):
        _config(tmp_path, PINGAN_STACK_PORT_OFFSET=offset)
