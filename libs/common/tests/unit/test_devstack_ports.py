"""PINGAN_STACK_PORT_OFFSET moves every port of the local stack, so a second stack can run
beside the usual one (the chaos test's own stack); and the stack's other settings from the
environment (partitions, the supervisor's broker and priority rules)."""

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


def test_the_local_stack_runs_two_partitions_a_topic_unless_told_otherwise(
    tmp_path: Path,
) -> None:
    default = _config(tmp_path)
    assert default.partitions == 2
    assert default.service_env("dispatch")["PINGAN_KAFKA_DEFAULT_PARTITIONS"] == "2"

    six = _config(tmp_path, PINGAN_KAFKA_DEFAULT_PARTITIONS="6")
    assert six.partitions == 6
    assert six.service_env("notify")["PINGAN_KAFKA_DEFAULT_PARTITIONS"] == "6"
    with pytest.raises(StartupError):
        _ = _config(tmp_path, PINGAN_KAFKA_DEFAULT_PARTITIONS="0").partitions


def test_the_supervisor_lets_services_ride_out_a_broker_loss_by_default(tmp_path: Path) -> None:
    assert _config(tmp_path).restart_services_with_broker is False
    restarting = _config(tmp_path, PINGAN_STACK_RESTART_SERVICES_WITH_BROKER="true")
    assert restarting.restart_services_with_broker is True
    assert _config(tmp_path).restart_nice == -10
    assert _config(tmp_path, PINGAN_STACK_RESTART_NICE="0").restart_nice == 0
