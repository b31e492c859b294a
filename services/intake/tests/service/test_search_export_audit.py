"""Searching tickets (filters, phone search, scopes), the CSV export, and the personal-data audit
of phone searches and of the notify service's contact reads."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pingan_intake.models import PersonalDataRead

# Every ticket of this module is in 北坝镇 (331199005) unless a test says otherwise.
BEIBA_GRID = "33119900500101"
OTHER_BEIBA_GRID = "33119900500201"
NOTIFY_KEY = "pingan-notify-key-0001"
THIRD_PARTY_KEY = "pingan-demo-key-0001"


async def _search(api, role: str = "dispatcher", **params):  # type: ignore[no-untyped-def]
    response = await api.client.get("/v1/tickets", params=params, headers=api.headers(role))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture(scope="module")
async def beiba(api) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    light = await api.register(
        api.body(
            description="北坝镇坝头路路灯坏了",
            caller={"name": "王女士", "phone": "13911112222"},
            location={"grid_code": BEIBA_GRID},
        )
    )
    gas = await api.register(
        api.body(
            description="北坝镇新塘村有很大的燃气味，像是漏气了",
            caller={"phone": "13933334444"},
            location={"grid_code": OTHER_BEIBA_GRID},
        )
    )
    return {"light": light, "gas": gas}


async def test_filters_by_township_grid_code_and_urgency(api, beiba):
    light, gas = beiba["light"]["id"], beiba["gas"]["id"]

    assert set(await _search(api, township="331199005")) == {light, gas}
    assert await _search(api, grid=BEIBA_GRID) == [light]
    assert await _search(api, township="331199005", code="gas_leak") == [gas]
    assert await _search(api, township="331199005", group="safety_hazard") == [gas]
    assert await _search(api, township="331199005", urgency="urgent") == [gas]
    assert await _search(api, township="331199005", urgency="normal") == [light]


async def test_filters_by_registration_time(api, beiba):
    registered = datetime.fromisoformat(beiba["light"]["registered_at"])
    before = (registered - timedelta(seconds=1)).isoformat()
    after = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()

    assert beiba["light"]["id"] in await _search(api, township="331199005", **{"from": before})
    assert await _search(api, township="331199005", **{"from": after}) == []
    assert await _search(api, township="331199005", to=before) == []


async def test_operator_searches_by_caller_phone_with_a_reason_and_it_is_audited(api, beiba):
    found = await _search(
        api, role="operator", caller_phone="139-1111-2222", reason="来电人查询自己的工单"
    )

    assert found == [beiba["light"]["id"]]
    rows = await api.rows(
        select(PersonalDataRead).where(PersonalDataRead.reason == "来电人查询自己的工单")
    )
    [row] = [r.PersonalDataRead for r in rows]
    assert (row.reader, row.access, row.fields, row.ticket_id) == (
        "operator1",
        "phone_search",
        ["caller_phone"],
        None,
    )


@pytest.mark.parametrize(
    ("role", "params"),
    [
        ("handler", {"reason": "查一下"}),
        ("leader", {"reason": "查一下"}),
        ("operator", {}),  # no reason
    ],
)
async def test_phone_search_is_refused_without_the_role_or_a_reason(api, role, params):
    response = await api.client.get(
        "/v1/tickets",
        params={"caller_phone": "13911112222", **params},
        headers=api.headers(role),
    )

    api.expect_problem(response, 403)


async def test_township_user_searches_within_their_township_only(api, beiba):
    found = await _search(api, role="handler", township="331199005")

    assert found == []  # the demo handler is in 城关街道


async def test_csv_export_is_masked_and_streams_every_match(api, beiba):
    response = await api.client.get(
        "/v1/tickets.csv", params={"township": "331199005"}, headers=api.headers("dispatcher")
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    numbers = {row["ticket_number"] for row in rows}
    assert numbers == {beiba["light"]["ticket_number"], beiba["gas"]["ticket_number"]}
    phones = {row["caller_phone"] for row in rows}
    assert phones == {"139****2222", "139****4444"}
    assert "13911112222" not in response.text


async def test_csv_through_content_negotiation(api, beiba):
    response = await api.client.get(
        "/v1/tickets",
        params={"grid": BEIBA_GRID},
        headers={**api.headers("dispatcher"), "Accept": "text/csv"},
    )

    assert response.headers["content-type"].startswith("text/csv")
    assert beiba["light"]["ticket_number"] in response.text


async def test_csv_cells_never_become_spreadsheet_formulas(api):
    ticket = await api.register(
        api.body(
            description='=HYPERLINK("http://x","点我") 路灯坏了',
            location={"grid_code": "33119900500301", "address": "-2+3 北坝大道"},
        )
    )

    response = await api.client.get(
        "/v1/tickets.csv", params={"grid": "33119900500301"}, headers=api.headers("dispatcher")
    )

    [row] = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert row["ticket_number"] == ticket["ticket_number"]
    assert row["description"].startswith("'=HYPERLINK")
    assert row["address"] == "'-2+3 北坝大道"


# --- the notify service reads a caller's contact -------------------------------------------


async def test_notify_service_reads_the_callers_contact_and_it_is_audited(api, beiba):
    ticket = beiba["light"]

    response = await api.client.get(
        f"/v1/tickets/{ticket['ticket_number']}/caller-contact",
        params={"reason": "发送受理回执短信"},
        headers={"X-API-Key": NOTIFY_KEY},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "ticket_id": ticket["id"],
        "ticket_number": ticket["ticket_number"],
        "phone": "+8613911112222",
        "phone_national": "13911112222",
        "name": "王女士",
    }
    rows = await api.rows(
        select(PersonalDataRead).where(PersonalDataRead.ticket_id == uuid.UUID(ticket["id"]))
    )
    audit = [(r.PersonalDataRead.reader, r.PersonalDataRead.access) for r in rows]
    assert ("client:notify-service", "caller_contact") in audit


async def test_contact_read_needs_a_reason(api, beiba):
    response = await api.client.get(
        f"/v1/tickets/{beiba['light']['id']}/caller-contact", headers={"X-API-Key": NOTIFY_KEY}
    )

    api.expect_problem(response, 422, "query.reason")


async def test_other_systems_may_not_read_contacts(api, beiba):
    response = await api.client.get(
        f"/v1/tickets/{beiba['light']['id']}/caller-contact",
        params={"reason": "想看"},
        headers={"X-API-Key": THIRD_PARTY_KEY},
    )

    api.expect_problem(response, 403)


async def test_notify_key_can_do_nothing_else(api, beiba):
    submit = await api.post(api.lone_body(channel="web"), headers={"X-API-Key": NOTIFY_KEY})
    read = await api.client.get(
        f"/v1/tickets/{beiba['light']['id']}", headers={"X-API-Key": NOTIFY_KEY}
    )
    listed = await api.client.get("/v1/tickets", headers={"X-API-Key": NOTIFY_KEY})

    api.expect_problem(submit, 403)
    api.expect_problem(read, 404)
    assert listed.json()["items"] == []


# --- numbers typed into the description -------------------------------------------------------


async def test_numbers_in_a_description_are_masked_unless_read_clear_with_a_reason(api):
    ticket = await api.register(
        api.body(
            description="邻居家漏水到我家，物业电话13855556666打不通，我身份证330102199001011234",
            caller={"phone": "13977778888"},
            location={"grid_code": "33119900300101"},
        )
    )
    path = f"/v1/tickets/{ticket['id']}"

    masked = (await api.client.get(path, headers=api.headers("dispatcher"))).json()
    assert "138****6666" in masked["description"]
    assert "330***********1234" in masked["description"]
    assert "13855556666" not in masked["description"]

    clear = await api.client.get(
        path, params={"reason": "回访核实物业电话"}, headers=api.headers("operator")
    )
    assert clear.status_code == 200
    assert "13855556666" in clear.json()["description"]

    export = await api.client.get(
        "/v1/tickets.csv", params={"township": "331199003"}, headers=api.headers("dispatcher")
    )
    assert "138****6666" in export.text
    assert "13855556666" not in export.text
    assert "330102199001011234" not in export.text
