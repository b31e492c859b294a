"""POST /v1/classify (nothing created) and operators' overrides, kept as training data."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from pingan_intake.models import ClassificationOverride, Ticket, TimelineEntry, messaging

OUTBOX = messaging.outbox
RECLASSIFY = {
    "code": "neighbour",
    "urgency": "normal",
    "dispositions": ["mediation"],
    "reason": "来电人补充：是邻居之间的矛盾，不是路灯问题",
}


async def _reclassify(api, ticket_ref: str, body: dict, role: str = "operator"):  # type: ignore[no-untyped-def]
    return await api.client.post(
        f"/v1/tickets/{ticket_ref}/reclassify", json=body, headers=api.headers(role)
    )


# --- classify ---------------------------------------------------------------------------------


async def test_classify_answers_every_field_and_creates_nothing(api):
    before = (await api.count(Ticket), await api.count(OUTBOX))

    response = await api.client.post(
        "/v1/classify",
        json={"text": "小区门口燃气管道漏气，味道很大", "channel": "web"},
        headers=api.headers("operator"),
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert set(result) == {
        "group",
        "code",
        "label",
        "urgency",
        "disposition",
        "dispositions",
        "risk_level",
        "confidence",
        "needs_review",
        "threat_review",
        "review_note",
        "alternatives",
    }
    assert result["group"] == "safety_hazard"
    assert result["needs_review"] is False
    assert (result["threat_review"], result["review_note"]) == (False, None)
    assert result["urgency"] == "urgent"
    assert result["disposition"] == result["dispositions"][0]
    assert 0 < result["confidence"] <= 1
    assert all(set(a) == {"group", "code", "label", "confidence"} for a in result["alternatives"])
    assert (await api.count(Ticket), await api.count(OUTBOX)) == before


async def test_a_text_that_states_no_matter_is_flagged_for_review(api):
    response = await api.client.post(
        "/v1/classify", json={"text": "你好，我想反映一个情况"}, headers=api.headers("operator")
    )

    assert response.status_code == 200, response.text
    assert response.json()["needs_review"] is True
    assert response.json()["confidence"] < 0.5


async def test_a_vague_ticket_shows_needs_review_until_an_operator_classifies_it(api):
    ticket = await api.register({**api.lone_body(), "description": "你好，我想反映一个情况"})
    assert ticket["category"]["needs_review"] is True

    response = await _reclassify(api, ticket["id"], RECLASSIFY)

    assert response.status_code == 200, response.text
    assert response.json()["category"]["needs_review"] is False
    assert response.json()["category"]["confidence"] is None


async def test_classify_validates_its_input(api):
    response = await api.client.post(
        "/v1/classify", json={"text": " ", "channel": "fax"}, headers=api.headers("operator")
    )

    problem = api.expect_problem(response, 422)
    assert {e["field"] for e in problem["errors"]} == {"body.text", "body.channel"}


async def test_classify_needs_credentials(api):
    api.expect_problem(await api.client.post("/v1/classify", json={"text": "路灯坏了"}), 401)


# --- overrides --------------------------------------------------------------------------------


async def test_override_changes_the_ticket_and_is_kept_published_and_shown(api):
    ticket = await api.register(api.lone_body())

    response = await _reclassify(api, ticket["ticket_number"], RECLASSIFY)

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["category"]["code"] == "neighbour"
    assert updated["category"]["group"] == "dispute"
    assert (updated["disposition"], updated["dispositions"]) == ("mediation", ["mediation"])
    assert updated["timeline"][-1]["step"] == "reclassified"
    [override] = await api.rows(
        select(ClassificationOverride).where(
            ClassificationOverride.ticket_id == uuid.UUID(ticket["id"])
        )
    )
    row = override.ClassificationOverride
    assert (row.actor, row.reason) == ("operator1", RECLASSIFY["reason"])
    assert row.previous["category"]["code"] == "street_light"
    assert row.current["category"]["code"] == "neighbour"
    [event] = await api.rows(
        select(OUTBOX.c.payload).where(
            OUTBOX.c.message_key == ticket["id"],
            OUTBOX.c.event_type == "pingan.intake.ticket.reclassified.v1",
        )
    )
    data = event.payload["data"]
    assert data["previous"]["category"]["code"] == "street_light"
    assert data["current"]["dispositions"] == ["mediation"]
    assert data["reason"] == RECLASSIFY["reason"]
    assert data["actor"] == "operator1"


async def test_override_leaves_out_urgency_and_dispositions_for_the_taxonomy_defaults(api):
    ticket = await api.register(api.lone_body())

    response = await _reclassify(api, ticket["id"], {"code": "gas_leak", "reason": "其实是燃气味"})

    updated = response.json()
    assert updated["category"]["code"] == "gas_leak"
    assert updated["urgency"] == "urgent"


async def test_override_to_a_police_matter_transfers_it_to_110(api):
    ticket = await api.register(api.lone_body())

    response = await _reclassify(
        api,
        ticket["id"],
        {
            "code": "fight",
            "urgency": "urgent",
            "dispositions": ["police_transfer", "mediation"],
            "reason": "来电人说现在正在打架",
        },
    )

    assert response.json()["police_transfer_required"] is True
    types = await api.rows(select(OUTBOX.c.event_type).where(OUTBOX.c.message_key == ticket["id"]))
    assert "pingan.intake.ticket.transferred_to_police.v1" in {row.event_type for row in types}


async def test_unknown_code_is_a_422_and_changes_nothing(api):
    ticket = await api.register(api.lone_body())

    response = await _reclassify(api, ticket["id"], {**RECLASSIFY, "code": "no_such_code"})

    api.expect_problem(response, 422, "body.code")
    count = await api.count(
        ClassificationOverride, ClassificationOverride.ticket_id == uuid.UUID(ticket["id"])
    )
    assert count == 0


async def test_override_needs_a_reason(api):
    ticket = await api.register(api.lone_body())

    response = await _reclassify(api, ticket["id"], {"code": "neighbour"})

    api.expect_problem(response, 422, "body.reason")


async def test_roles_that_do_not_take_calls_may_not_override(api):
    ticket = await api.register(api.lone_body())

    api.expect_problem(await _reclassify(api, ticket["id"], RECLASSIFY, role="handler"), 403)


async def test_a_closed_ticket_is_not_reclassified(api):
    ticket = await api.register(api.lone_body())
    async with api.service.runtime.transaction() as session:
        row = await session.get(Ticket, uuid.UUID(ticket["id"]))
        row.status = "closed"

    api.expect_problem(await _reclassify(api, ticket["id"], RECLASSIFY), 409)
    count = await api.count(TimelineEntry, TimelineEntry.ticket_id == uuid.UUID(ticket["id"]))
    assert count == 1


async def test_overrides_export_as_labelled_examples(api):
    ticket = await api.register(api.lone_body(description="楼上天天半夜拖椅子，吵得睡不着"))
    await _reclassify(api, ticket["id"], RECLASSIFY)

    response = await api.client.get(
        "/v1/classifier/overrides.jsonl", headers=api.headers("analyst")
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    mine = [line for line in lines if line["text"] == "楼上天天半夜拖椅子，吵得睡不着"]
    assert mine == [
        {
            "text": "楼上天天半夜拖椅子，吵得睡不着",
            "channel": "hotline_12345",
            "code": "neighbour",
            "urgency": "normal",
            "dispositions": ["mediation"],
            "source": "override",
            "previous_code": mine[0]["previous_code"],
            "reason": RECLASSIFY["reason"],
            "taxonomy_version": mine[0]["taxonomy_version"],
            "at": mine[0]["at"],
        }
    ]


async def test_operators_may_not_export_training_data(api):
    response = await api.client.get(
        "/v1/classifier/overrides.jsonl", headers=api.headers("operator")
    )

    api.expect_problem(response, 403)
