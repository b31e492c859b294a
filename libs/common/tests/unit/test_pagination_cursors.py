"""Cursors: what this API issued reads back; anything crafted by hand is a 400, never a 500."""

from __future__ import annotations

import base64
import json
from datetime import date
from uuid import UUID

import pytest

from pingan_common.pagination import cursor_field, decode_cursor, encode_cursor
from pingan_common.problems import ProblemError

AN_ID = UUID("0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b")


def _crafted(position: object) -> str:
    raw = json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_an_issued_cursor_reads_back_its_values() -> None:
    position = decode_cursor(encode_cursor({"id": str(AN_ID), "n": 42, "day": "2026-12-02"}))
    assert position is not None
    assert cursor_field(position, "id", UUID) == AN_ID
    assert cursor_field(position, "n", int) == 42
    assert cursor_field(position, "day", date.fromisoformat) == date(2026, 12, 2)


@pytest.mark.parametrize(
    ("value", "parse"),
    [
        (1e30, UUID),  # a float where an id belongs: UUID() raised AttributeError (a 500)
        (1e30, int),
        ([[1, 2], [3]], UUID),  # nested arrays
        ({"a": 1}, int),
        (2**70, int),  # past PostgreSQL's bigint: the database would have raised
        ("331199001-ZZ\x00", str),  # a NUL character cannot be sent to PostgreSQL
        (True, int),
        (None, UUID),
        ("not-a-uuid", UUID),
    ],
)
def test_a_crafted_cursor_value_is_a_400(value: object, parse: object) -> None:
    position = decode_cursor(_crafted({"id": value}))
    assert position is not None
    with pytest.raises(ProblemError) as bad:
        cursor_field(position, "id", parse)
    assert bad.value.status == 400


@pytest.mark.parametrize("cursor", ["%%%", _crafted([1, 2]), _crafted("text"), _crafted(1e30)])
def test_a_cursor_that_is_not_an_object_is_a_400(cursor: str) -> None:
    with pytest.raises(ProblemError) as bad:
        decode_cursor(cursor)
    assert bad.value.status == 400


def test_a_missing_key_is_a_400() -> None:
    position = decode_cursor(_crafted({"other": "x"}))
    assert position is not None
    with pytest.raises(ProblemError):
        cursor_field(position, "id", UUID)
