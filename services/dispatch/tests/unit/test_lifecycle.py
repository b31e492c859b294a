"""The task state machine, pure: who may do what in which state."""

from __future__ import annotations

import pytest

from pingan_common.auth import Principal
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.lifecycle import ActionForbidden, TaskView, TransitionRefused

UNIT = "331199001-ZZ"
DISPATCHER = Principal("dispatcher1", "派单员", roles={"dispatcher"}, area_code="331199")
HANDLER = Principal("handler1", "承办", roles={"handler"}, area_code="331199001", unit_code=UNIT)
OTHER_HANDLER = Principal(
    "handler2", "承办", roles={"handler"}, area_code="331199002", unit_code="331199002-ZZ"
)
OPERATOR = Principal("operator1", "话务员", roles={"operator"}, area_code="331199")
LEADER = Principal("leader1", "领导", roles={"leader"}, area_code="331199")
ADMIN = Principal("admin1", "管理员", roles={"admin"}, area_code="331199")


def task(state: str, **overrides) -> TaskView:  # type: ignore[no-untyped-def]
    return TaskView(state=state, kind="ticket", unit_code=UNIT, **overrides)


@pytest.mark.parametrize(
    ("state", "principal", "allowed"),
    [
        ("created", DISPATCHER, ["assign", "cancel"]),
        ("assigned", HANDLER, ["accept", "return", "convert-to-case"]),
        ("assigned", DISPATCHER, ["reassign", "cancel"]),
        ("accepted", HANDLER, ["return", "request-extension", "reply", "convert-to-case"]),
        ("in_progress", HANDLER, ["return", "request-extension", "reply", "convert-to-case"]),
        ("replied", DISPATCHER, ["review", "cancel"]),
        ("reviewed", OPERATOR, ["callback"]),
        ("reviewed", DISPATCHER, ["callback", "cancel"]),
        ("returned", DISPATCHER, ["assign", "cancel"]),
        ("closed", DISPATCHER, ["reopen"]),
        ("cancelled", ADMIN, []),
        ("to_mediation", ADMIN, []),
        ("assigned", LEADER, ["flag"]),
        ("assigned", OTHER_HANDLER, []),
    ],
)
def test_allowed_actions_follow_the_state_and_the_callers_role(state, principal, allowed):
    assert lifecycle.allowed_actions(task(state), principal) == allowed


def test_an_admin_may_do_whatever_the_state_allows():
    assert lifecycle.allowed_actions(task("accepted"), ADMIN) == [
        "return",
        "reassign",
        "request-extension",
        "reply",
        "flag",
        "cancel",
        "convert-to-case",
    ]


def test_only_the_tasks_unit_converts_it_and_only_while_it_holds_it():
    assert "convert-to-case" not in lifecycle.allowed_actions(task("accepted"), DISPATCHER)
    assert "convert-to-case" not in lifecycle.allowed_actions(task("replied"), HANDLER)
    with pytest.raises(ActionForbidden):
        lifecycle.check(task("accepted"), "convert-to-case", OTHER_HANDLER)
    with pytest.raises(TransitionRefused):
        lifecycle.check(task("replied"), "convert-to-case", HANDLER)


def test_a_verification_task_is_not_converted_into_a_case():
    verification = TaskView(state="accepted", kind="verification", unit_code=UNIT)
    assert "convert-to-case" not in lifecycle.allowed_actions(verification, HANDLER)


def test_a_handler_of_another_unit_is_forbidden_not_told_the_state_is_wrong():
    with pytest.raises(ActionForbidden, match=UNIT):
        lifecycle.check(task("assigned"), "accept", OTHER_HANDLER)


def test_a_wrong_state_is_refused_with_the_actions_that_are_allowed():
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(task("assigned"), "reply", HANDLER)

    assert refused.value.allowed == ["accept", "return", "convert-to-case"]
    assert refused.value.state == "assigned"


def test_a_signed_task_cannot_be_returned_once_the_window_has_closed():
    closed_window = task("accepted", return_window_open=False)

    assert "return" not in lifecycle.allowed_actions(closed_window, HANDLER)
    # Before sign-in the window does not matter: an unsigned task may always go back.
    assert "return" in lifecycle.allowed_actions(
        task("assigned", return_window_open=False), HANDLER
    )


def test_one_extension_request_at_a_time():
    pending = task("accepted", extension_pending=True)

    assert "request-extension" not in lifecycle.allowed_actions(pending, HANDLER)
    assert "decide-extension" in lifecycle.allowed_actions(pending, DISPATCHER)
    assert "decide-extension" not in lifecycle.allowed_actions(task("accepted"), DISPATCHER)


def test_a_verification_task_closes_on_review_and_has_no_callback_or_reopen():
    verification = TaskView(state="reviewed", kind="verification", unit_code=UNIT)

    assert lifecycle.after_review("verification", accepted=True) == "closed"
    assert lifecycle.after_review("ticket", accepted=True) == "reviewed"
    assert lifecycle.after_review("ticket", accepted=False) == "in_progress"
    assert "callback" not in lifecycle.allowed_actions(verification, OPERATOR)


@pytest.mark.parametrize(
    ("returns", "reassigns", "limit"),
    [(0, 0, False), (2, 0, False), (1, 1, False), (3, 0, True), (1, 2, True), (0, 3, True)],
)
def test_three_bounces_in_total_reach_the_limit(returns, reassigns, limit):
    assert lifecycle.bounce_limit_reached(returns, reassigns) is limit


def test_satisfied_and_basically_satisfied_close_unsatisfied_reopens():
    assert lifecycle.closes_on_callback("satisfied")
    assert lifecycle.closes_on_callback("basically_satisfied")
    assert not lifecycle.closes_on_callback("unsatisfied")
