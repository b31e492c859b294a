"""Bad input is a 422 (or 400) problem naming the field, and writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pingan_intake.models import Ticket, TimelineEntry, messaging

VALID_LOCATION = {"lon": 119.75, "lat": 28.15}


def _in(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("letters in the phone", {"caller": {"phone": "138OO138OOO"}}, "body.caller.phone"),
    ("impossible phone", {"caller": {"phone": "12800138000"}}, "body.caller.phone"),
    ("lon out of range", {"location": {"lon": 200, "lat": 28.15}}, "body.location.lon"),
    ("lon not a number", {"location": {"lon": "east", "lat": 28.15}}, "body.location.lon"),
    ("lat without lon", {"location": {"lat": 28.15}}, "body.location.lat"),
    ("lon without lat", {"location": {"lon": 119.75}}, "body.location.lat"),
    ("malformed grid code", {"location": {"grid_code": "3311"}}, "body.location.grid_code"),
    (
        "unknown grid code",
        {"location": {"grid_code": "33119900100199"}},
        "body.location.grid_code",
    ),
    ("description too short", {"description": "灯"}, "body.description"),
    ("blank description", {"description": "   \t  "}, "body.description"),
    ("only control characters", {"description": "\x00\x01\x02\x03"}, "body.description"),
    ("description too long", {"description": "路灯坏了" * 1001}, "body.description"),
    ("description not text", {"description": 12345}, "body.description"),
    ("unknown channel", {"channel": "fax"}, "body.channel"),
    ("unknown urgency", {"urgency": "asap"}, "body.urgency"),
    ("extra field", {"priority": "high"}, "body.priority"),
    (
        "extra caller field",
        {"caller": {"phone": "13800138000", "email": "a@b.c"}},
        "body.caller.email",
    ),
    ("reported in the future", {"reported_at": _in(60 * 24)}, "body.reported_at"),
    ("naive reported_at", {"reported_at": "2026-11-23T10:00:00"}, "body.reported_at"),
    ("reported_at not a time", {"reported_at": "yesterday"}, "body.reported_at"),
    ("external_ref with spaces", {"external_ref": "110 2026 1"}, "body.external_ref"),
    ("caller name too long", {"caller": {"name": "王" * 51}}, "body.caller.name"),
]


def _without(key: str) -> dict[str, Any]:
    from copy import deepcopy

    from pingan_intake.registration.schemas import TicketCreate

    body = deepcopy(TicketCreate.model_config["json_schema_extra"]["examples"][0])
    body.pop(key)
    return body


async def _nothing_written(api, action):  # type: ignore[no-untyped-def]
    """Run ``action``; assert it wrote no ticket, timeline entry or outbox row."""
    tables = (Ticket, TimelineEntry, messaging.outbox)
    before = [await api.count(table) for table in tables]
    response = await action()
    assert [await api.count(table) for table in tables] == before
    return response


@pytest.mark.parametrize(
    ("change", "field"),
    [(change, field) for _, change, field in BAD_BODIES],
    ids=[name for name, _, _ in BAD_BODIES],
)
async def test_bad_field_is_a_422_problem_naming_it_and_writes_nothing(api, change, field):
    body = api.body(**change)

    response = await _nothing_written(api, lambda: api.post(body))

    problem = api.expect_problem(response, 422, field)
    assert problem["instance"] == "/v1/tickets"


@pytest.mark.parametrize("field", ["channel", "description"])
async def test_missing_required_field_is_named(api, field: str):
    response = await _nothing_written(api, lambda: api.post(_without(field)))

    api.expect_problem(response, 422, f"body.{field}")


async def test_validation_problem_is_the_documented_shape(api):
    response = await api.post(api.body(caller={"phone": "abc"}, channel="fax"))

    problem = api.expect_problem(response, 422)
    assert problem["type"] == "urn:pingan:problem:validation-error"
    assert {e["field"] for e in problem["errors"]} == {"body.channel", "body.caller.phone"}
    assert all(set(e) == {"field", "message", "type"} for e in problem["errors"])
    assert "abc" not in response.text, "the problem must not echo the submitted value"


async def test_malformed_json_is_a_400_problem(api):
    response = await _nothing_written(
        api,
        lambda: api.client.post(
            "/v1/tickets",
            content='{"channel": "web", "description": "路灯坏了"'.encode(),
            headers={**api.headers("operator"), "Content-Type": "application/json"},
        ),
    )

    problem = api.expect_problem(response, 400, "body")
    assert problem["type"] == "urn:pingan:problem:malformed-json"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_coordinates_are_a_422_not_a_500(api, token: str):
    raw = '{"channel": "web", "description": "路灯坏了", "location": {"lon": %s, "lat": 28.1}}'

    response = await _nothing_written(
        api,
        lambda: api.client.post(
            "/v1/tickets",
            content=(raw % token).encode(),
            headers={**api.headers("operator"), "Content-Type": "application/json"},
        ),
    )

    api.expect_problem(response, 422, "body.location.lon")


async def test_body_that_is_not_an_object_is_a_422(api):
    response = await _nothing_written(api, lambda: api.post(["路灯坏了"]))

    api.expect_problem(response, 422, "body")


async def test_control_characters_are_removed_and_text_trimmed(api):
    ticket = await api.register(
        api.body(
            description="  \x00人民路的路灯\x07坏了，\x1b晚上很黑\n第二盏也不亮\t ",
            caller={"name": " 王女士\x08 ", "phone": "13800138000"},
            location={"address": "\x0b 城关街道人民路１２号  "},
        )
    )

    assert ticket["description"] == "人民路的路灯坏了，晚上很黑\n第二盏也不亮"
    rows = await api.rows(select(Ticket.caller_name).where(Ticket.id == uuid.UUID(ticket["id"])))
    assert rows[0].caller_name == "王女士"
    assert ticket["location"]["address"] == "城关街道人民路12号"


async def test_chinese_punctuation_is_kept_and_full_width_digits_narrowed(api):
    ticket = await api.register(api.body(description="请问（急）：３号楼的路灯坏了，怎么办？！"))

    assert ticket["description"] == "请问（急）：3号楼的路灯坏了，怎么办？！"


async def test_description_at_the_length_limit_is_accepted(api):
    ticket = await api.register(api.body(description="路灯" * 2000))

    assert len(ticket["description"]) == 4000


async def test_report_time_slightly_ahead_is_tolerated_and_a_past_one_kept(api):
    ahead = await api.register(api.body(reported_at=_in(1)))
    past = await api.register(api.body(reported_at="2026-11-23T08:00:00+08:00"))

    assert datetime.fromisoformat(ahead["reported_at"]) > datetime.fromisoformat(
        ahead["registered_at"]
    )
    assert datetime.fromisoformat(past["reported_at"]) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


async def test_empty_caller_and_location_are_fine(api):
    ticket = await api.register(
        {"channel": "hotline_12345", "description": "请问办理居住证需要什么材料"}
    )

    assert ticket["caller"] == {"name": None, "phone": None, "id_number": None, "masked": True}
    assert ticket["location"]["area_code"] == "331199"
    assert ticket["location"]["resolved"] is False
    assert ticket["category"]["group"] == "consultation"
