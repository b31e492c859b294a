"""Who may register and read tickets, what they see of the caller, and the audit of it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from pingan_intake.models import PersonalDataRead, Ticket

THIRD_PARTY_KEY = "pingan-demo-key-0001"
POLICE_110_KEY = "pingan-110-key-0001"
MASKED = "138****8000"
IN_CHENGGUAN = {"grid_code": "33119900100203"}  # 城关街道 (331199001)
OTHER_GRID = "33119900300101"  # 西湖镇, grid_worker5's grid


def _key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


# --- authentication -----------------------------------------------------------------------


async def test_no_credentials_is_a_401_problem_with_a_bearer_challenge(api):
    response = await api.post(api.body(), headers={})

    api.expect_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic b3BlcmF0b3IxOnBpbmdhbi1kZW1v"},
        {"X-API-Key": "pingan-no-such-key"},
    ],
    ids=["garbage token", "basic auth", "unknown API key"],
)
async def test_bad_credentials_are_a_401_problem_and_write_nothing(api, headers):
    before = await api.count(Ticket)

    response = await api.post(api.body(), headers=headers)

    api.expect_problem(response, 401)
    assert await api.count(Ticket) == before


async def test_token_and_api_key_together_are_refused(api):
    headers = {**api.headers("operator"), **_key(THIRD_PARTY_KEY)}

    api.expect_problem(await api.post(api.body(channel="third_party"), headers=headers), 401)


async def test_reading_without_credentials_is_a_401(api):
    api.expect_problem(await api.client.get("/v1/tickets"), 401)


# --- who may register on which channel ------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "handler", "mediator", "leader"])
async def test_roles_that_do_not_take_calls_may_not_register(api, role: str):
    before = await api.count(Ticket)

    response = await api.post(api.body(), role=role)

    problem = api.expect_problem(response, 403)
    assert "operator" in problem["required_roles"]
    assert await api.count(Ticket) == before


async def test_operator_may_not_file_a_grid_report(api):
    api.expect_problem(await api.post(api.body(channel="grid_report")), 403)


async def test_grid_worker_may_only_file_grid_reports(api):
    response = await api.post(api.body(channel="hotline_12345"), role="grid_worker")

    problem = api.expect_problem(response, 403)
    assert "hotline_12345" in problem["detail"]


async def test_grid_report_without_a_location_is_placed_in_the_workers_own_grid(api):
    ticket = await api.register(
        {"channel": "grid_report", "description": "巡查发现小区垃圾堆积好几天没人清运"},
        role="grid_worker",
    )

    assert ticket["location"]["grid_code"] == "33119900100101"
    assert ticket["location"]["township_code"] == "331199001"
    assert ticket["location"]["resolved"] is True
    assert ticket["category"]["group"] == "city_service"


async def test_grid_worker_may_not_report_in_someone_elses_grid(api):
    before = await api.count(Ticket)

    response = await api.post(
        {
            "channel": "grid_report",
            "description": "巡查发现路灯不亮",
            "location": {"grid_code": OTHER_GRID},
        },
        role="grid_worker",
    )

    api.expect_problem(response, 403)
    assert await api.count(Ticket) == before


async def test_dispatcher_may_register_on_any_channel(api):
    ticket = await api.register(api.body(channel="open311"), role="dispatcher")

    assert ticket["channel"] == "open311"


# --- third-party systems by API key --------------------------------------------------------


async def test_third_party_system_registers_on_its_channel_and_sees_the_phone_masked(api):
    ticket = await api.register(api.body(channel="third_party"), headers=_key(THIRD_PARTY_KEY))

    assert ticket["channel"] == "third_party"
    assert ticket["caller"]["phone"] == MASKED
    rows = await api.rows(select(Ticket.registered_by).where(Ticket.id == uuid.UUID(ticket["id"])))
    assert rows[0].registered_by == "client:demo-thirdparty"


async def test_third_party_system_may_not_use_the_12345_channel(api):
    before = await api.count(Ticket)

    response = await api.post(api.body(channel="hotline_12345"), headers=_key(THIRD_PARTY_KEY))

    problem = api.expect_problem(response, 403)
    assert "hotline_12345" in problem["detail"]
    assert await api.count(Ticket) == before


async def test_110_transfer_keeps_the_incident_number(api):
    body = api.body(
        channel="police_110",
        description="邻居装修噪音太大，多次沟通无果，110转来",
        external_ref="110-20261123-000042",
    )

    ticket = await api.register(body, headers=_key(POLICE_110_KEY))

    assert ticket["external_ref"] == "110-20261123-000042"
    read = await api.get(ticket["id"])
    assert read.json()["external_ref"] == "110-20261123-000042"


async def test_110_system_may_only_submit_police_transfers(api):
    response = await api.post(api.body(channel="third_party"), headers=_key(POLICE_110_KEY))

    api.expect_problem(response, 403)


async def test_api_client_reads_a_ticket_with_the_phone_masked_and_unaudited(api):
    ticket = await api.register(api.body(channel="web"), headers=_key(THIRD_PARTY_KEY))

    response = await api.client.get(f"/v1/tickets/{ticket['id']}", headers=_key(THIRD_PARTY_KEY))

    assert response.status_code == 200, response.text
    assert response.json()["caller"]["phone"] == MASKED
    assert await _audit_rows(api, ticket["id"]) == []


# --- reading one ticket ---------------------------------------------------------------------


async def _audit_rows(api, ticket_id: str) -> list:  # type: ignore[no-untyped-def]
    return await api.rows(
        select(PersonalDataRead.reader, PersonalDataRead.fields).where(
            PersonalDataRead.ticket_id == uuid.UUID(ticket_id)
        )
    )


async def test_ticket_is_found_by_id_and_by_ticket_number(api):
    ticket = await api.register(api.lone_body())

    by_id = await api.get(ticket["id"])
    by_number = await api.get(ticket["ticket_number"])

    assert by_id.status_code == by_number.status_code == 200
    assert by_id.json()["id"] == by_number.json()["id"] == ticket["id"]
    assert by_number.json()["ticket_number"] == ticket["ticket_number"]
    assert [e["step"] for e in by_number.json()["timeline"]] == ["registered"]


@pytest.mark.parametrize("ref", [str(uuid.uuid4()), "QS20260101999999", "no-such-ticket"])
async def test_unknown_ticket_is_a_404_problem(api, ref: str):
    response = await api.get(ref)

    problem = api.expect_problem(response, 404)
    assert ref in problem["detail"]


async def test_operator_sees_masked_values_unless_asking_with_a_reason(api):
    ticket = await api.register(api.body(location=IN_CHENGGUAN))

    masked = await api.get(ticket["id"])

    assert masked.json()["caller"] == {
        "name": "王**",
        "phone": MASKED,
        "id_number": None,
        "masked": True,
    }
    assert await _audit_rows(api, ticket["id"]) == []


async def test_each_clear_read_is_audited_with_who_and_why(api):
    ticket = await api.register(api.body(location=IN_CHENGGUAN))

    first = await api.client.get(
        f"/v1/tickets/{ticket['id']}",
        params={"reason": "回访来电人"},
        headers=api.headers("operator"),
    )
    second = await api.client.get(
        f"/v1/tickets/{ticket['ticket_number']}",
        params={"reason": "核实地址"},
        headers=api.headers("dispatcher"),
    )

    assert first.json()["caller"] == {
        "name": "王女士",
        "phone": "13800138000",
        "id_number": None,
        "masked": False,
    }
    assert second.json()["caller"]["phone"] == "13800138000"
    audit = await api.rows(
        select(
            PersonalDataRead.reader,
            PersonalDataRead.fields,
            PersonalDataRead.reason,
            PersonalDataRead.access,
        ).where(PersonalDataRead.ticket_id == uuid.UUID(ticket["id"]))
    )
    assert sorted(audit) == [
        ("dispatcher1", ["caller_name", "caller_phone"], "核实地址", "ticket_read"),
        ("operator1", ["caller_name", "caller_phone"], "回访来电人", "ticket_read"),
    ]


@pytest.mark.parametrize("role", ["handler", "leader", "analyst", "mediator", "grid_worker"])
async def test_roles_that_do_not_call_back_may_not_unmask(api, role: str):
    ticket = await api.register(api.body(location={"grid_code": "33119900100101"}))

    response = await api.client.get(
        f"/v1/tickets/{ticket['id']}", params={"reason": "想看看"}, headers=api.headers(role)
    )

    api.expect_problem(response, 403)
    assert await _audit_rows(api, ticket["id"]) == []


@pytest.mark.parametrize("role", ["handler", "leader", "analyst", "mediator"])
async def test_roles_that_do_not_call_back_see_the_phone_masked_and_leave_no_audit(api, role):
    ticket = await api.register(
        api.body(location={"grid_code": "33119900100101"})
    )  # the demo mediator's village

    response = await api.get(ticket["id"], role=role)

    assert response.status_code == 200, response.text
    assert response.json()["caller"]["phone"] == MASKED
    assert await _audit_rows(api, ticket["id"]) == []


async def test_reading_a_ticket_without_a_phone_leaves_no_audit(api):
    ticket = await api.register(api.body(caller={"name": "匿名"}))

    response = await api.get(ticket["id"])

    assert response.json()["caller"]["phone"] is None
    assert await _audit_rows(api, ticket["id"]) == []


async def test_township_user_of_another_township_may_not_read_it(api):
    ticket = await api.register(api.body(location=IN_CHENGGUAN))

    response = await api.get(ticket["id"], role="handler", area="331199002", subject="handler2")
    missing = await api.get("QS20000101000009", role="handler", area="331199002")

    # Answered exactly as a ticket that does not exist: nothing tells that it is there.
    api.expect_problem(response, 404)
    api.expect_problem(missing, 404)
    assert response.json()["detail"] == f"ticket {ticket['id']} not found"
    assert await _audit_rows(api, ticket["id"]) == []


async def test_township_user_reads_a_ticket_of_their_own_township(api):
    ticket = await api.register(api.body(location=IN_CHENGGUAN))

    response = await api.get(ticket["id"], role="handler", area="331199001")

    assert response.status_code == 200, response.text


async def test_grid_worker_reads_their_own_grid_only(api):
    own = await api.register(api.body(location={"grid_code": "33119900100101"}))
    other = await api.register(api.body(location={"grid_code": OTHER_GRID}))

    assert (await api.get(own["id"], role="grid_worker")).status_code == 200
    api.expect_problem(await api.get(other["id"], role="grid_worker"), 404)


async def test_unlocated_ticket_is_visible_county_wide_only(api):
    ticket = await api.register(api.body(location={}))

    assert ticket["location"]["area_code"] == "331199"
    assert (await api.get(ticket["id"], role="leader")).status_code == 200
    api.expect_problem(await api.get(ticket["id"], role="handler", area="331199001"), 404)
