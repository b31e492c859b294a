"""What operators and readers see of 并单 and 重复来电: the registration answer says at once
where a call went, the read models carry the links, search filters by them, CSV exports them,
and a master's callers are listed (masked unless asked for with a reason, then audited)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from pingan_intake.models import PersonalDataRead, Ticket

LIGHT_CALLS = [
    "人民路和解放街路口的路灯坏了一个星期了，晚上很黑",
    "路口那个路灯一直不亮，晚上很黑",
    "解放街路口的路灯坏了，晚上黑乎乎的",
]


async def _matter_with_three_callers(api) -> tuple[dict, list[dict]]:  # type: ignore[no-untyped-def]
    """A master and two other callers merged into it, all at one spot."""
    master_body = api.lone_body(description=LIGHT_CALLS[0])
    master = await api.register(master_body)
    merged = [
        await api.register(api.lone_body(description=text, location=master_body["location"]))
        for text in LIGHT_CALLS[1:]
    ]
    return master, merged


async def _list(api, role: str = "operator", **params: Any) -> list[dict]:  # type: ignore[no-untyped-def]
    response = await api.client.get("/v1/tickets", params=params, headers=api.headers(role))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_merged_call_is_told_its_master_and_the_callers_at_once(api):
    master, (second, third) = await _matter_with_three_callers(api)

    assert (second["status"], third["status"]) == ("merged", "merged")
    assert third["master_ticket_id"] == master["id"]
    assert third["merged_into"] == {
        "id": master["id"],
        "ticket_number": master["ticket_number"],
        "caller_count": 3,
    }
    merged_entry = third["timeline"][-1]
    assert merged_entry["step"] == "merged"
    assert master["ticket_number"] in merged_entry["summary"]
    assert "共 3 位来电人" in merged_entry["summary"]
    assert [entry["step"] for entry in third["timeline"]] == ["registered", "merged"]
    # The master itself shows its callers; a plain ticket is its own only caller.
    stored_master = (await api.get(master["id"])).json()
    assert (stored_master["caller_count"], stored_master["merged_into"]) == (3, None)
    assert master["caller_count"] == 1 and master["merged_into"] is None
    # Reading a merged call later names its master too.
    assert (await api.get(third["id"])).json()["merged_into"]["caller_count"] == 3


async def test_the_third_call_by_one_caller_is_flagged_in_the_answer(api):
    first_body = api.lone_body(description="门口路灯坏了好几天，晚上很黑")
    first = await api.register(first_body)
    again = {**first_body, "description": "路灯还是不亮，怎么没人修"}
    second = await api.register(again)
    third = await api.register({**again, "description": "第三次打电话了，路灯还是坏的"})

    assert [t["repeat_count"] for t in (first, second, third)] == [1, 2, 3]
    assert [t["repeat_flag"] for t in (first, second, third)] == [None, "repeat", "third_call"]
    assert second["repeat_of_ticket_id"] == third["repeat_of_ticket_id"] == first["id"]
    assert third["status"] == "registered"  # a repeat stays its own ticket
    entry = third["timeline"][-1]
    assert entry["step"] == "repeat_call"
    assert "【重点关注】" in entry["summary"] and "第 3 次" in entry["summary"]
    assert first["ticket_number"] in entry["summary"]
    assert "【重点关注】" not in second["timeline"][-1]["summary"]


async def test_search_filters_by_repeat_flag_master_and_merged_into(api):
    master, merged = await _matter_with_three_callers(api)
    township = master["location"]["township_code"]
    first_body = api.lone_body(description="门口路灯坏了好几天，晚上很黑")
    first = await api.register(first_body)
    await api.register({**first_body, "description": "路灯还是不亮"})
    third = await api.register({**first_body, "description": "路灯还是坏的，第三次打了"})

    flagged = await _list(api, township=township, repeat_flag="third_call", limit=200)
    assert third["id"] in [t["id"] for t in flagged]
    assert first["id"] not in [t["id"] for t in flagged]
    assert all(t["repeat_flag"] == "third_call" for t in flagged)
    into = await _list(api, merged_into=master["id"])
    assert sorted(t["id"] for t in into) == sorted(t["id"] for t in merged)
    assert all(t["master_ticket_id"] == master["id"] for t in into)
    masters = await _list(api, township=township, master="true", limit=200)
    assert master["id"] in [t["id"] for t in masters]
    assert all(t["caller_count"] > 1 for t in masters)
    assert [t["caller_count"] for t in masters if t["id"] == master["id"]] == [3]
    bad = await api.client.get(
        "/v1/tickets", params={"repeat_flag": "often"}, headers=api.headers("operator")
    )
    api.expect_problem(bad, 422, "query.repeat_flag")


async def test_csv_carries_the_merge_and_repeat_links(api):
    master, (second, _) = await _matter_with_three_callers(api)

    response = await api.client.get(
        "/v1/tickets.csv",
        params={"merged_into": master["id"]},
        headers=api.headers("operator"),
    )

    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    row = next(r for r in rows if r["ticket_number"] == second["ticket_number"])
    assert row["master_ticket_id"] == master["id"]
    assert (row["caller_count"], row["repeat_count"], row["repeat_flag"]) == ("1", "1", "")


async def test_a_masters_callers_are_listed_masked(api):
    master, merged = await _matter_with_three_callers(api)

    for ref in (master["ticket_number"], merged[1]["id"]):  # by the master or a merged call
        response = await api.client.get(f"/v1/tickets/{ref}/callers", headers=api.headers("leader"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["master_ticket_id"], body["caller_count"]) == (master["id"], 3)
        callers = body["callers"]
        assert [c["ticket_id"] for c in callers] == [master["id"], *(t["id"] for t in merged)]
        assert [c["master"] for c in callers] == [True, False, False]
        assert all(c["caller"]["masked"] and "*" in c["caller"]["phone"] for c in callers)
    reads = await api.rows(
        select(PersonalDataRead).where(PersonalDataRead.ticket_id == master["id"])
    )
    assert reads == []  # masked answers are not personal-data reads


async def test_clear_callers_need_a_reason_and_are_audited_per_ticket(api):
    master, merged = await _matter_with_three_callers(api)
    path = f"/v1/tickets/{master['id']}/callers"

    refused = await api.client.get(
        path, params={"reason": "回访来电人"}, headers=api.headers("leader")
    )
    api.expect_problem(refused, 403)
    response = await api.client.get(
        path, params={"reason": "回访全部来电人"}, headers=api.headers("operator")
    )

    assert response.status_code == 200, response.text
    callers = response.json()["callers"]
    assert [c["caller"]["masked"] for c in callers] == [False, False, False]
    ids = [master["id"], *(t["id"] for t in merged)]
    stored = {str(t.id): t.caller_phone for t in await _tickets(api, ids)}
    assert [c["caller"]["phone"] for c in callers] == [stored[i] for i in ids]
    rows = await api.rows(
        select(PersonalDataRead).where(PersonalDataRead.reason == "回访全部来电人")
    )
    audited = sorted((str(r.PersonalDataRead.ticket_id), r.PersonalDataRead.access) for r in rows)
    assert audited == sorted((i, "callers_read") for i in ids)


async def test_callers_are_for_staff_only(api):
    master, _ = await _matter_with_three_callers(api)

    response = await api.client.get(
        f"/v1/tickets/{master['id']}/callers", headers={"X-API-Key": "pingan-demo-key-0001"}
    )

    assert response.status_code in (401, 403), response.text


async def _tickets(api, ids: list[str]) -> list[Any]:  # type: ignore[no-untyped-def]
    rows = await api.rows(select(Ticket).where(Ticket.id.in_(ids)))
    return [row.Ticket for row in rows]
