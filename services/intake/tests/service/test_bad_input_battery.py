"""The bad-input battery: whatever a client sends, the answer is a 4xx problem and nothing is
written (no ticket, no timeline entry, no outbox row, no idempotency key) — or, for text that is
odd but legitimate (emoji, quotes, markup a citizen typed), the text is stored as plain text."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text

from pingan_common.problems import PROBLEM_MEDIA_TYPE
from pingan_intake.models import Ticket, TimelineEntry, idempotency_records, messaging

TABLES = (Ticket, TimelineEntry, idempotency_records, messaging.outbox)
VALID = {
    "channel": "hotline_12345",
    "description": "人民路的路灯坏了，晚上很黑",
    "caller": {"name": "王女士", "phone": "13800138000"},
    "location": {"lon": 119.75, "lat": 28.15},
}
INJECTIONS = [
    "'; DROP TABLE tickets; --",
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "${jndi:ldap://x/a}",
    "{{7*7}}",
    "../../etc/passwd",
]


def _with(path: str, value: Any) -> dict[str, Any]:
    """VALID with the value at a dotted path replaced (or removed for ...)."""
    body = json.loads(json.dumps(VALID))
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target.setdefault(part, {})
    if value is ...:
        target.pop(last, None)
    else:
        target[last] = value
    return body


JSON_CASES: list[tuple[str, Any]] = [
    # wrong types
    ("description is a list", _with("description", ["路灯", "坏了"])),
    ("description is a number", _with("description", 12345)),
    ("description is null", _with("description", None)),
    ("caller is a string", _with("caller", "王女士 13800138000")),
    ("location is a number", _with("location", 5)),
    ("lon is a string", _with("location.lon", "119.75E")),
    ("lon is an object", _with("location.lon", {"value": 119.75})),
    ("channel is a number", _with("channel", 12345)),
    ("attachments is an object", _with("attachments", {"file_name": "a.jpg"})),
    (
        "attachment size negative",
        _with(
            "attachments",
            [
                {
                    "file_name": "a.jpg",
                    "content_type": "image/jpeg",
                    "size_bytes": -1,
                    "url": "https://f/a.jpg",
                }
            ],
        ),
    ),
    ("body is a string", "路灯坏了"),
    ("body is null", None),
    ("body is an empty object", {}),
    # missing fields
    ("no channel", _with("channel", ...)),
    ("no description", _with("description", ...)),
    # malformed phone, resident ID, time
    ("phone with letters", _with("caller.phone", "138-OO13-8OOO")),
    ("phone too short", _with("caller.phone", "1380013800")),
    ("phone double plus", _with("caller.phone", "++8613800138000")),
    ("phone with a NUL", _with("caller.phone", "13800138000\u0000")),
    ("foreign phone", _with("caller.phone", "+1 212 555 0100")),
    ("phone is a number", _with("caller.phone", 13800138000)),
    ("ID with a bad check digit", _with("caller.id_number", "110105194912310021")),
    ("ID too short", _with("caller.id_number", "11010519491231")),
    ("ID with a bad birth date", _with("caller.id_number", "11010519491332002X")),
    ("time without a zone", _with("reported_at", "2026-11-23T10:00:00")),
    ("time of month 13", _with("reported_at", "2026-13-01T10:00:00+08:00")),
    ("time in year 1", _with("reported_at", "0001-01-01T00:00:00+14:00")),
    ("time in year 9999", _with("reported_at", "9999-12-31T23:59:59-14:00")),
    ("time next week", _with("reported_at", "2099-01-01T00:00:00+08:00")),
    ("time as epoch text", _with("reported_at", "1700000000x")),
    # unicode oddities that leave nothing, or are not text at all
    ("only zero-width characters", _with("description", "\u200b\u200c\u200d\ufeff")),
    ("only RTL and LTR marks", _with("description", "\u200f\u200e\u202e")),
    ("only control characters", _with("description", "\u0000\u0001\u0007\u001b")),
    ("full-width digits grid code", _with("location.grid_code", "３３１１９９００１００１０１")),
    ("arabic-indic digits grid code", _with("location.grid_code", "٣٣١١٩٩٠٠١٠٠١٠١")),
    # injection strings in constrained fields
    *[(f"injection in grid_code: {s}", _with("location.grid_code", s)) for s in INJECTIONS],
    *[(f"injection in external_ref: {s}", _with("external_ref", s)) for s in INJECTIONS],
    *[(f"injection in channel: {s}", _with("channel", s)) for s in INJECTIONS],
    *[(f"injection in phone: {s}", _with("caller.phone", s)) for s in INJECTIONS],
    ("injection as category code", _with("category_code", "street_light' OR 1=1")),
    ("unknown field", _with("priority", "high")),
    (
        "too many attachments",
        _with(
            "attachments",
            [
                {
                    "file_name": "a.jpg",
                    "content_type": "image/jpeg",
                    "size_bytes": 1,
                    "url": "https://f/a.jpg",
                }
            ]
            * 21,
        ),
    ),
]

RAW_CASES: list[tuple[str, bytes, str]] = [
    (
        "lone surrogate through a JSON escape",
        b'{"channel": "web", "description": "\\ud800\\ud800 lamp broken"}',
        "application/json",
    ),
    ("invalid UTF-8", b'{"channel": "web", "description": "\xff\xfe\xfd"}', "application/json"),
    ("truncated JSON", b'{"channel": "web", "description": "lamp', "application/json"),
    ("empty body", b"", "application/json"),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (
        "huge exponent",
        b'{"channel":"web","description":"lamp broken","location":{"lon":1e400,"lat":28}}',
        "application/json",
    ),
    ("JSON sent as text/plain", json.dumps(VALID).encode(), "text/plain"),
    (
        "form instead of JSON",
        b"channel=web&description=lamp+broken",
        "application/x-www-form-urlencoded",
    ),
]


async def _counts(api) -> list[int]:  # type: ignore[no-untyped-def]
    return [await api.count(table) for table in TABLES]


def _is_problem(response, low: int = 400, high: int = 499) -> dict:  # type: ignore[no-untyped-def]
    assert low <= response.status_code <= high, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["title"] and problem["detail"]
    return problem


@pytest.mark.parametrize("body", [b for _, b in JSON_CASES], ids=[n for n, _ in JSON_CASES])
async def test_bad_json_body_is_a_4xx_problem_and_writes_nothing(api, body):
    before = await _counts(api)

    response = await api.post(body, key=f"battery-{uuid.uuid4()}")

    problem = _is_problem(response)
    if response.status_code == 422:
        assert problem["errors"], "a 422 names the bad fields"
    assert await _counts(api) == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(c, t) for _, c, t in RAW_CASES],
    ids=[n for n, _, _ in RAW_CASES],
)
async def test_bad_raw_body_is_a_4xx_problem_and_writes_nothing(api, content, content_type):
    before = await _counts(api)

    response = await api.client.post(
        "/v1/tickets",
        content=content,
        headers={**api.headers("operator"), "Content-Type": content_type},
    )

    _is_problem(response)
    assert await _counts(api) == before


async def test_a_body_over_the_size_limit_is_a_413_before_parsing(api):
    before = await _counts(api)
    body = _with("description", "路" * 200_000)

    response = await api.post(body)

    assert _is_problem(response)["status"] == 413
    assert await _counts(api) == before


async def test_a_chunked_body_over_the_size_limit_is_a_413(api):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"channel": "web", "description": "'
        for _ in range(400):
            yield b"x" * 1024
        yield b'"}'

    before = await _counts(api)

    response = await api.client.post(
        "/v1/tickets",
        content=chunks(),
        headers={**api.headers("operator"), "Content-Type": "application/json"},
    )

    assert _is_problem(response)["status"] == 413
    assert await _counts(api) == before


@pytest.mark.parametrize(
    "key", ["x" * 201, "key with spaces", "clé-é"], ids=["too long", "spaces", "non-ascii"]
)
async def test_malformed_idempotency_key_is_a_422(api, key: str):
    before = await _counts(api)

    response = await api.client.post(
        "/v1/tickets",
        json=VALID,
        headers={**api.headers("operator"), "Idempotency-Key": key.encode("latin-1")},
    )

    assert _is_problem(response)["status"] == 422
    assert await _counts(api) == before


@pytest.mark.parametrize(
    "params",
    [
        {"area_code": "331199' OR '1'='1"},
        {"status": "closed; DROP TABLE tickets"},
        {"code": "<script>"},
        {"grid": "3311990010010"},
        {"from": "yesterday"},
        {"from": "2026-11-23T10:00:00"},
        {"from": "2026-11-24T00:00:00+08:00", "to": "2026-11-23T00:00:00+08:00"},
        {"channel": "fax"},
        {"urgency": "asap"},
        {"caller_phone": "not-a-phone", "reason": "回访"},
        {"cursor": "' OR 1=1 --"},
    ],
)
async def test_bad_search_parameters_are_4xx_problems(api, params):
    response = await api.client.get("/v1/tickets", params=params, headers=api.headers("operator"))

    _is_problem(response)


@pytest.mark.parametrize("ref", ["' OR 1=1 --", "x" * 65, "%00", "QS2026' UNION SELECT 1--"])
async def test_odd_ticket_references_are_4xx_problems(api, ref: str):
    response = await api.client.get(f"/v1/tickets/{ref}", headers=api.headers("operator"))

    _is_problem(response)


async def test_odd_but_legitimate_text_is_stored_as_plain_text(api):
    description = "门口有人写 '; DROP TABLE tickets; -- 和 <script>alert(1)</script> 😡🔥，请处理"
    ticket = await api.register(
        {
            **VALID,
            "description": f"\u200f{description}\u200b",
            "caller": {"name": "Robert'); DROP TABLE tickets;--"},
            "location": {"address": "<b>人民路</b>12号"},
        }
    )

    rows = await api.rows(select(Ticket).where(Ticket.id == uuid.UUID(ticket["id"])))
    stored = rows[0].Ticket
    assert stored.description == description
    assert stored.caller_name == "Robert'); DROP TABLE tickets;--"
    assert stored.address == "<b>人民路</b>12号"
    # The tables are all still there.
    assert await _scalar(api, "SELECT count(*) FROM tickets") >= 1


async def test_landline_in_international_form_is_accepted(api):
    ticket = await api.register(
        {**VALID, "caller": {"phone": "+86 571 8888 1234", "id_number": "11010519491231002x"}}
    )

    rows = await api.rows(
        select(Ticket.caller_phone, Ticket.caller_id_number).where(
            Ticket.id == uuid.UUID(ticket["id"])
        )
    )
    assert tuple(rows[0]) == ("057188881234", "11010519491231002X")
    assert ticket["caller"]["phone"] == "0571****1234"
    assert ticket["caller"]["id_number"] == "110***********002X"


async def _scalar(api, sql: str):  # type: ignore[no-untyped-def]
    async with api.service.runtime.transaction() as session:
        return await session.scalar(text(sql))
