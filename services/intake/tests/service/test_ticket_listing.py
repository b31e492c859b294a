"""Listing tickets: area scope, filters and keyset cursors."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest

# Every ticket of this module lands in 河口乡 (331199006) or 石桥镇 (331199007); the tests
# filter by those areas, so tickets of other tests in the module never get in the way.
HEKOU_GRIDS = ["33119900600101", "33119900600102", "33119900600201", "33119900600202"]
SHIQIAO_GRID = "33119900700101"


def _cursor(position: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


async def _list(api, role: str = "dispatcher", claims: dict | None = None, **params):  # type: ignore[no-untyped-def]
    response = await api.client.get(
        "/v1/tickets", params=params, headers=api.headers(role, **(claims or {}))
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
async def hekou_tickets(api) -> list[dict]:  # type: ignore[no-untyped-def]
    """Seven tickets in 河口乡, oldest first."""
    return [
        await api.register(
            api.body(
                description=f"河口乡第{n}号路灯坏了",
                location={"grid_code": HEKOU_GRIDS[n % len(HEKOU_GRIDS)]},
            )
        )
        for n in range(7)
    ]


async def test_pages_of_three_walk_all_seven_tickets_newest_first(api, hekou_tickets):
    pages, cursor = [], None
    while True:
        params = {"area_code": "331199006", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = await _list(api, **params)
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(ids) for ids in pages] == [3, 3, 1]
    seen = [ticket_id for ids in pages for ticket_id in ids]
    assert seen == [ticket["id"] for ticket in reversed(hekou_tickets)]


async def test_a_page_that_exactly_ends_the_list_has_no_next_cursor(api, hekou_tickets):
    page = await _list(api, area_code="331199006", limit=7)

    assert len(page["items"]) == 7
    assert page["next_cursor"] is None


async def test_list_items_are_summaries_without_caller_data(api, hekou_tickets):
    item = (await _list(api, area_code="331199006", limit=1))["items"][0]

    assert set(item) == {
        "id",
        "ticket_number",
        "channel",
        "status",
        "category",
        "urgency",
        "disposition",
        "area_code",
        "township_code",
        "grid_code",
        "location_resolved",
        "caller_phone",
        "external_ref",
        "registered_at",
        "master_ticket_id",
        "caller_count",
        "repeat_of_ticket_id",
        "repeat_count",
        "repeat_flag",
    }
    assert item["caller_phone"] == "138****8000"
    assert item["area_code"].startswith("331199006")
    assert datetime.fromisoformat(item["registered_at"]).tzinfo is not None


async def test_filters_by_channel_category_and_status(api):
    web_dispute = await api.register(
        api.body(
            channel="web",
            description="隔壁邻居占用公共楼道，沟通多次无果",
            location={"grid_code": SHIQIAO_GRID},
        )
    )
    hotline_light = await api.register(
        api.body(description="石桥镇路灯坏了", location={"grid_code": SHIQIAO_GRID})
    )

    by_channel = await _list(api, area_code="331199007", channel="web")
    by_category = await _list(api, area_code="331199007", group="city_service")
    by_status = await _list(api, area_code="331199007", status="registered")
    none_closed = await _list(api, area_code="331199007", status="closed")

    assert [t["id"] for t in by_channel["items"]] == [web_dispute["id"]]
    assert [t["id"] for t in by_category["items"]] == [hotline_light["id"]]
    assert {t["id"] for t in by_status["items"]} == {web_dispute["id"], hotline_light["id"]}
    assert none_closed["items"] == []


async def test_township_user_lists_only_their_township(api, hekou_tickets):
    page = await _list(api, role="handler", claims={"area": "331199006"}, limit=100)

    assert len(page["items"]) == 7
    assert all(item["area_code"].startswith("331199006") for item in page["items"])


async def test_area_filter_outside_the_users_scope_yields_nothing(api, hekou_tickets):
    page = await _list(api, role="handler", claims={"area": "331199001"}, area_code="331199006")

    assert page["items"] == []


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%",
        _cursor(["2026-11-23T00:00:00+00:00", "x"]),
        _cursor({"at": "yesterday", "id": "00000000-0000-0000-0000-000000000000"}),
        _cursor({"at": "2026-11-23T00:00:00+00:00", "id": "not-a-uuid"}),
        _cursor({"at": 12345, "id": "00000000-0000-0000-0000-000000000000"}),
        _cursor({"id": "00000000-0000-0000-0000-000000000000"}),
    ],
    ids=["garbage", "percent signs", "json list", "bad time", "bad id", "number time", "no time"],
)
async def test_tampered_cursor_is_a_400_problem(api, cursor: str):
    response = await api.client.get(
        "/v1/tickets", params={"cursor": cursor}, headers=api.headers("dispatcher")
    )

    problem = api.expect_problem(response, 400)
    assert problem["title"] == "Bad cursor"


async def test_cursor_without_a_time_zone_is_refused_not_a_server_error(api):
    cursor = _cursor({"at": "2026-11-23T00:00:00", "id": "00000000-0000-0000-0000-000000000000"})

    response = await api.client.get(
        "/v1/tickets", params={"cursor": cursor}, headers=api.headers("dispatcher")
    )

    assert response.status_code in (200, 400), response.text


@pytest.mark.parametrize("limit", [0, -1, 501, "many"])
async def test_limit_out_of_range_is_a_422_problem(api, limit):
    response = await api.client.get(
        "/v1/tickets", params={"limit": limit}, headers=api.headers("dispatcher")
    )

    api.expect_problem(response, 422, "query.limit")


async def test_malformed_area_filter_is_a_422_problem(api):
    response = await api.client.get(
        "/v1/tickets", params={"area_code": "3311%"}, headers=api.headers("dispatcher")
    )

    api.expect_problem(response, 422, "query.area_code")
