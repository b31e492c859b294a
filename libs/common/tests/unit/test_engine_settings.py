"""The engines every service builds keep bound values out of error messages and logs."""

from __future__ import annotations

from pingan_common.db import create_engine


def test_engines_hide_bound_parameters_from_errors_and_logs() -> None:
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/x")
    assert engine.sync_engine.hide_parameters is True
