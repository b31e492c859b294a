"""The local stack points notify at mediation for a session notice's party numbers, and moves
that address with PINGAN_STACK_PORT_OFFSET like the others."""

from __future__ import annotations

from pathlib import Path

from pingan_common.devstack.config import StackConfig
from pingan_common.devstack.paths import RunPaths


def _config(tmp_path: Path, **env: str) -> StackConfig:
    return StackConfig.from_env(RunPaths(root=tmp_path, repo=tmp_path), env=dict(env))


def test_an_offset_moves_notifys_address_of_mediation(tmp_path: Path) -> None:
    notify = _config(tmp_path, PINGAN_STACK_PORT_OFFSET="1000").service_env("notify")

    assert notify["PINGAN_NOTIFY_MEDIATION_BASE_URL"] == "http://127.0.0.1:9003"


def test_without_an_offset_notify_keeps_its_default_of_mediations_usual_port(
    tmp_path: Path,
) -> None:
    assert "PINGAN_NOTIFY_MEDIATION_BASE_URL" not in _config(tmp_path).service_env("notify")
