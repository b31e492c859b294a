"""Retraction (撤单), supplements (补充) and direct answers (直接答复) through the real service."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from sqlalchemy import select

from pingan_common.refdata import load_county
from pingan_intake.models import TicketAmendment, messaging
from services.intake.tests.service.ticket_actions import post_action, stored

OUTBOX = messaging.outbox
EVENT = "pingan.intake.ticket.{}.v1"
CONSULTATION = "我想咨询一下城乡居民医保今年什么时候开始缴费，在哪里交"
GAS = "幸福小区3号楼楼道里煤气味很重，怀疑燃气泄漏"
POLICE_110_KEY = "pingan-110-key-0001"

_phones = itertools.count(random.randrange(10_000_000, 80_000_000))
# A grid of its own per ticket (outside 城关街道, whose operator the scope test uses), so no
# test's ticket is merged into another's by accident.
_grids = iter([g.code for g in load_county().grids if not g.code.startswith("331199001")])


def call(description: str, **overrides: Any) -> dict:
    body = {
        "channel": "hotline_12345",
        "description": description,
        "caller": {"name": "来电人", "phone": f"137{next(_phones):08d}"},
        "location": {"grid_code": next(_grids)},
    }
    body.update(overrides)
    return body


async def gas_leak_called_in_twice(api) -> tuple[dict, dict]:
    """The master ticket and the second call, merged into it at registration (并单)."""
    body = call(GAS)
    master = await api.register(body)
    merged = await api.register(call("3号楼一楼闻到很浓的煤气味", location=body["location"]))
    assert merged["status"] == "merged"
    return master, merged


async def events(api, ticket_id: str) -> list[tuple[str, dict]]:
    rows = await api.rows(
        select(OUTBOX.c.event_type, OUTBOX.c.payload)
        .where(OUTBOX.c.message_key == ticket_id)
        .order_by(OUTBOX.c.id)
    )
    return [(row.event_type.split(".")[-2], row.payload["data"]) for row in rows]


# --- retraction -----------------------------------------------------------------------------------


async def test_retraction_publishes_retracted_then_closed_and_closes_the_ticket(api):
    ticket = await api.register(call("门口路灯坏了好几天，晚上很黑"))

    response = await post_action(
        api, ticket["ticket_number"], "retract", {"reason": "路灯已经修好了"}
    )

    assert response.status_code == 200, response.text
    state = response.json()
    assert (state["status"], state["resolution"]) == ("closed", "retracted")
    assert state["closed_at"] is not None
    assert state["timeline"][-1]["step"] == "retracted"
    published = await events(api, ticket["id"])
    assert [kind for kind, _ in published] == ["registered", "retracted", "closed"]
    assert published[1][1]["reason"] == "路灯已经修好了"
    assert published[1][1]["actor"] == "operator1"
    assert published[2][1]["resolution"] == "retracted"
    assert published[2][1]["channel"] == "hotline_12345"
    amendment = (
        await api.rows(select(TicketAmendment).where(TicketAmendment.ticket_id == ticket["id"]))
    )[0][0]
    assert (amendment.kind, amendment.text) == ("retraction", "路灯已经修好了")


async def test_a_closed_ticket_cannot_be_retracted_or_supplemented_again(api):
    ticket = await api.register(call("门口路灯坏了好几天"))
    assert (
        await post_action(api, ticket["id"], "retract", {"reason": "已修好"})
    ).status_code == 200

    api.expect_problem(await post_action(api, ticket["id"], "retract", {"reason": "再撤一次"}), 409)
    api.expect_problem(
        await post_action(api, ticket["id"], "supplements", {"text": "补充信息"}), 409
    )
    assert len(await events(api, ticket["id"])) == 3


async def test_retracting_a_merged_call_leaves_the_master_open_with_one_caller_fewer(api):
    master, merged = await gas_leak_called_in_twice(api)

    response = await post_action(
        api, merged["id"], "retract", {"reason": "来电人说是自家灶台没关好"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["master_ticket_id"] is None
    master_row = await stored(api, master["id"])
    assert (master_row.status, master_row.caller_count) == ("registered", 1)
    # The master had a merged caller: its own retraction would drop their matter, so 409.
    same_place = {"grid_code": master["location"]["grid_code"]}
    other = await api.register(call("楼道里燃气味道很大", location=same_place))
    assert other["status"] == "merged"
    api.expect_problem(await post_action(api, master["id"], "retract", {"reason": "不需要了"}), 409)


async def test_a_110_transfer_retracted_feeds_the_outcome_back_to_110(api):
    ticket = await api.register(
        call("邻居装修噪音太大，多次沟通无果", channel="police_110", external_ref="110-R-000777"),
        headers={"X-API-Key": POLICE_110_KEY},
    )

    response = await post_action(api, ticket["id"], "retract", {"reason": "双方已自行协商解决"})

    assert response.status_code == 200, response.text
    published = await events(api, ticket["id"])
    assert [kind for kind, _ in published][-2:] == ["closed", "police_feedback"]
    assert published[-1][1]["incident_number"] == "110-R-000777"
    assert published[-1][1]["resolution"] == "retracted"


async def test_only_operators_and_dispatchers_of_the_area_act_on_tickets(api):
    ticket = await api.register(call("门口路灯坏了"))

    api.expect_problem(await post_action(api, ticket["id"], "retract", {"reason": "撤"}), 422)
    for role in ("handler", "grid_worker", "analyst"):
        api.expect_problem(
            await post_action(api, ticket["id"], "retract", {"reason": "撤单原因"}, role=role), 403
        )
    elsewhere = api.headers("operator", area="331199001")  # the ticket is not in 城关街道
    # As if it did not exist: a refusal must not tell that another area's ticket is there.
    api.expect_problem(
        await post_action(api, ticket["id"], "retract", {"reason": "撤单原因"}, headers=elsewhere),
        404,
    )
    unauthenticated = await api.client.post(
        f"/v1/tickets/{ticket['id']}/retract", json={"reason": "撤单原因"}
    )
    api.expect_problem(unauthenticated, 401)
    api.expect_problem(
        await post_action(api, "QS20000101000009", "retract", {"reason": "撤单"}), 404
    )
    assert (await stored(api, ticket["id"])).status == "registered"


# --- supplements ----------------------------------------------------------------------------------


async def test_supplement_is_published_with_its_attachments_and_kept_in_the_timeline(api):
    ticket = await api.register(call("门口路灯坏了好几天"))
    photo = {
        "file_name": "路灯.jpg",
        "content_type": "image/jpeg",
        "size_bytes": 123456,
        "url": "https://files.pingan.local/a/lamp.jpg",
    }

    response = await post_action(
        api,
        ticket["id"],
        "supplements",
        {"text": "补充：是3号路灯杆，灯罩也掉了", "attachments": [photo]},
    )

    assert response.status_code == 201, response.text
    state = response.json()
    assert state["status"] == "registered"
    entry = state["timeline"][-1]
    assert entry["step"] == "supplemented" and "灯罩也掉了" in entry["summary"]
    kind, data = (await events(api, ticket["id"]))[-1]
    assert kind == "updated"
    assert data["supplement"] == "补充：是3号路灯杆，灯罩也掉了"
    assert data["attachments"] == [photo]


async def test_supplement_to_a_merged_call_reaches_the_master_too(api):
    master, merged = await gas_leak_called_in_twice(api)

    response = await post_action(
        api, merged["id"], "supplements", {"text": "气味最浓的是二单元门口"}
    )

    assert response.status_code == 201, response.text
    kind, data = (await events(api, master["id"]))[-1]
    assert kind == "updated"
    assert data["supplement"].endswith("气味最浓的是二单元门口")
    assert merged["ticket_number"] in data["supplement"]


async def test_supplement_with_the_same_idempotency_key_is_added_once(api):
    ticket = await api.register(call("门口路灯坏了"))
    body = {"text": "补充：晚上七点以后都不亮"}

    first = await post_action(api, ticket["id"], "supplements", body, key="supplement-once")
    again = await post_action(api, ticket["id"], "supplements", body, key="supplement-once")

    assert (first.status_code, again.status_code) == (201, 200)
    kinds = [kind for kind, _ in await events(api, ticket["id"])]
    assert kinds.count("updated") == 1


async def test_bad_supplements_are_422_problems(api):
    ticket = await api.register(call("门口路灯坏了"))

    api.expect_problem(
        await post_action(api, ticket["id"], "supplements", {"text": " "}), 422, "body.text"
    )
    too_many = {"text": "补充", "attachments": [{"file_name": "a"}] * 21}
    api.expect_problem(await post_action(api, ticket["id"], "supplements", too_many), 422)
    extra = {"text": "补充信息", "status": "closed"}
    api.expect_problem(await post_action(api, ticket["id"], "supplements", extra), 422)


# --- answers --------------------------------------------------------------------------------------


async def test_answering_a_consultation_closes_it_at_intake(api, broker):
    ticket = await api.register(call(CONSULTATION))
    assert ticket["category"]["group"] == "consultation"
    answer = "城乡居民医保集中缴费期为9月1日至12月31日，可在浙里办缴纳。"

    response = await post_action(
        api, ticket["id"], "answer", {"answer": answer, "knowledge_entry_id": "KB-YB-001"}
    )

    assert response.status_code == 200, response.text
    state = response.json()
    assert (state["status"], state["resolution"]) == ("closed", "answered")
    assert "KB-YB-001" in state["timeline"][-1]["summary"]
    published = await events(api, ticket["id"])
    assert [kind for kind, _ in published] == ["registered", "answered", "closed"]
    assert published[1][1]["knowledge_entry_id"] == "KB-YB-001"
    assert published[1][1]["answer"] == answer
    assert published[2][1]["resolution"] == "answered"
    record = await broker.find(
        "intake.tickets.v1",
        lambda r: r.key == ticket["id"].encode() and b"ticket.closed" in r.value,
    )
    assert json.loads(record.value)["data"]["outcome"] == answer


async def test_answer_refuses_unknown_entries_closed_tickets_and_other_matters(api):
    consultation = await api.register(call(CONSULTATION))
    unknown = await post_action(
        api, consultation["id"], "answer", {"answer": "答复内容", "knowledge_entry_id": "KB-NOPE"}
    )
    api.expect_problem(unknown, 422, "body.knowledge_entry_id")
    assert (
        await post_action(api, consultation["id"], "answer", {"answer": "答复内容"})
    ).status_code == 200
    api.expect_problem(
        await post_action(api, consultation["id"], "answer", {"answer": "再答一次"}), 409
    )

    lamp = await api.register(call("门口路灯坏了"))
    api.expect_problem(
        await post_action(api, lamp["id"], "answer", {"answer": "已告知报修电话"}), 409
    )
    assert (await stored(api, lamp["id"])).status == "registered"


async def test_a_misclassified_question_can_be_answered_with_force_but_never_a_threat(api):
    lamp = await api.register(call("门口路灯坏了"))
    forced = await post_action(
        api, lamp["id"], "answer", {"answer": "已告知供电报修渠道，来电人自行报修", "force": True}
    )
    assert forced.status_code == 200, forced.text
    assert forced.json()["timeline"][-1]["details"]["forced"] is True

    threat = await api.register(call("他说今天不给钱就从楼顶跳下去"))
    refused = await post_action(api, threat["id"], "answer", {"answer": "已安抚", "force": True})
    api.expect_problem(refused, 409)
    assert (await stored(api, threat["id"])).status != "closed"


async def test_answering_a_master_closes_the_calls_merged_into_it(api):
    body = call("门口路灯坏了好几天，晚上很黑")
    master = await api.register(body)
    merged = await api.register(call("门口的路灯一直不亮", location=body["location"]))
    assert merged["status"] == "merged"

    response = await post_action(
        api, master["id"], "answer", {"answer": "该路灯已于昨日修复", "force": True}
    )

    assert response.status_code == 200, response.text
    merged_row = await stored(api, merged["id"])
    assert (merged_row.status, merged_row.resolution) == ("closed", "merged")
    kind, data = (await events(api, merged["id"]))[-1]
    assert (kind, data["resolution"]) == ("closed", "merged")
    assert master["ticket_number"] in data["outcome"] and "已于昨日修复" in data["outcome"]


async def test_two_callers_with_one_question_at_one_place_are_answered_separately(api):
    body = call(CONSULTATION)
    first = await api.register(body)
    second = await api.register(
        call("请问城乡居民医保在哪里缴费，什么时候交", location=body["location"])
    )

    assert second["category"]["group"] == "consultation"
    assert [first["status"], second["status"]] == ["registered", "registered"]
    answer = {"answer": "9月1日至12月31日，浙里办缴纳", "knowledge_entry_id": "KB-YB-001"}
    for ticket in (first, second):
        assert (await post_action(api, ticket["id"], "answer", answer)).status_code == 200
