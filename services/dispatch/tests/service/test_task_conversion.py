"""转调解 through the REST API: the unit holding a task converts it into a mediation case; the
task ends in ``to_mediation``, off every unit's books, with the event mediation registers the
case from (and ``task.cancelled`` for intake's projection). Refusals: wrong role, another area's
unit, a state the task no longer allows, a kind mediation does not know."""

from __future__ import annotations

from pingan_common.events.dispatch import TaskCancelled, TaskConvertedToCase

CONVERT = {"dispute_kind": "neighbour", "reason": "现场核实为邻里宅基地界址纠纷，需调解"}
REPLY = {"result": "已协调处理", "measures": "回访"}


async def test_the_tasks_unit_converts_a_dispute_into_a_case_and_the_task_leaves_its_books(
    api, make_ticket, history_actions
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")

    converted = await api.do(task, "convert-to-case", CONVERT, role="unit")

    assert converted["state"] == "to_mediation"
    assert converted["allowed_actions"] == []
    assert (await api.read(task["id"], role="admin"))["allowed_actions"] == []
    assert converted["deadlines"]["stage"] is None  # the clock stopped
    assert history_actions(converted)[-1] == "convert-to-case"
    assert converted["history"][-1]["details"] == CONVERT
    (event,) = await api.events(task["id"], TaskConvertedToCase)
    assert event.data.dispute_kind == "neighbour"
    assert event.data.reason == CONVERT["reason"]
    assert str(event.data.ticket_id) == task["ticket_id"]
    assert event.data.unit_code == "331199001-ZZ"
    assert event.data.actor == "handler1"
    assert event.data.category.code == "street_light"
    assert event.data.township_code == "331199001"
    assert event.correlationid == task["ticket_id"]
    (cancelled,) = await api.events(task["id"], TaskCancelled)
    assert cancelled.data.reason == "to_mediation"
    # Neither failed nor overdue for the unit: its spell is set aside like a cancelled one's.
    assert await api.scalar(
        "SELECT bool_and(cancelled) FROM task_assignments WHERE task_id = :id", id=task["id"]
    )


async def test_a_task_not_yet_signed_for_may_be_converted_too(api, make_ticket):
    task = await api.open(make_ticket())

    converted = await api.do(task, "convert-to-case", CONVERT, role="unit")

    assert converted["state"] == "to_mediation"


async def test_a_dispatcher_or_an_operator_may_not_convert_a_task(api, make_ticket):
    task = await api.open(make_ticket())

    dispatcher = await api.act(task["id"], "convert-to-case", CONVERT)
    operator = await api.act(task["id"], "convert-to-case", CONVERT, role="operator")

    assert dispatcher.status_code == 403
    assert operator.status_code == 403
    assert (await api.read(task["id"]))["state"] == "assigned"


async def test_a_unit_of_another_township_may_not_convert_the_task(api, make_ticket):
    task = await api.open(make_ticket())

    other_area = await api.act(
        task["id"],
        "convert-to-case",
        CONVERT,
        role="handler",
        area="331199002",
        unit="331199002-ZZ",
    )

    assert other_area.status_code == 404  # another township's task is not there for it
    assert "331199001" not in other_area.json()["detail"]
    assert (await api.read(task["id"]))["state"] == "assigned"


async def test_a_replied_task_is_no_longer_converted(api, make_ticket):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    await api.do(task, "reply", REPLY, role="unit")

    refused = await api.by_unit(task, "convert-to-case", CONVERT)

    assert refused.status_code == 409
    assert refused.json()["state"] == "replied"
    assert (await api.read(task["id"]))["state"] == "replied"


async def test_a_converted_task_cannot_be_converted_again_or_worked_on(api, make_ticket):
    task = await api.open(make_ticket())
    await api.do(task, "convert-to-case", CONVERT, role="unit")

    again = await api.by_unit(task, "convert-to-case", CONVERT)
    reply = await api.by_unit(task, "reply", REPLY)

    assert again.status_code == 409
    assert reply.status_code == 409


async def test_an_unknown_dispute_kind_or_no_reason_is_a_422_that_changes_nothing(api, make_ticket):
    task = await api.open(make_ticket())

    unknown = await api.by_unit(task, "convert-to-case", {"dispute_kind": "x", "reason": "纠纷"})
    no_reason = await api.by_unit(task, "convert-to-case", {"dispute_kind": "neighbour"})

    assert unknown.status_code == 422
    assert no_reason.status_code == 422
    assert (await api.read(task["id"]))["state"] == "assigned"
