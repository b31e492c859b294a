"""The lifecycle engine, pure: rules as data, ownership, guards, refusals and version checks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pingan_common.auth import Principal
from pingan_common.lifecycle import (
    ActionForbidden,
    Lifecycle,
    Rule,
    TransitionRefused,
    check_version,
    etag,
    states,
)
from pingan_common.problems import ProblemError


@dataclass(frozen=True)
class Door:
    state: str
    owner: str
    locked_by_court: bool = False


def _not_court_locked(door: Door) -> str | None:
    return "a court order keeps it shut" if door.locked_by_court else None


DOORS = Lifecycle[Door](
    aggregate="door",
    rules={
        "open": Rule(frozenset({"keeper"}), states("closed"), "open", guards=(_not_court_locked,)),
        "close": Rule(frozenset({"keeper"}), states("open"), "closed"),
        "paint": Rule(frozenset({"painter"}), states("open", "closed"), owner_only=True),
        "inspect": Rule(frozenset({"inspector", "keeper"}), states("open", "closed")),
    },
    state_of=lambda door: door.state,
    owns=lambda door, principal: principal.subject == door.owner,
    owner_only_reason=lambda door, action: f"{action} is for {door.owner} only",
)

KEEPER = Principal("keeper1", "门卫", roles={"keeper"}, area_code="331199")
PAINTER = Principal("painter1", "油漆工", roles={"painter"}, area_code="331199")
OTHER_PAINTER = Principal("painter2", "油漆工", roles={"painter"}, area_code="331199")
ADMIN = Principal("admin1", "管理员", roles={"admin"}, area_code="331199")


def test_allowed_actions_follow_the_rule_order_and_the_callers_roles() -> None:
    assert DOORS.allowed_actions(Door("closed", "painter1"), KEEPER) == ["open", "inspect"]
    assert DOORS.allowed_actions(Door("open", "painter1"), KEEPER) == ["close", "inspect"]


def test_an_owner_only_action_is_allowed_to_the_owner_and_forbidden_to_others() -> None:
    door = Door("open", "painter1")
    assert DOORS.allowed_actions(door, PAINTER) == ["paint"]
    assert DOORS.allowed_actions(door, OTHER_PAINTER) == []
    with pytest.raises(ActionForbidden, match="paint is for painter1 only"):
        DOORS.check(door, "paint", OTHER_PAINTER)


def test_a_missing_role_is_forbidden_and_names_the_roles_that_may() -> None:
    with pytest.raises(ActionForbidden, match="requires one of the roles: admin, keeper"):
        DOORS.check(Door("closed", "painter1"), "open", PAINTER)


def test_a_wrong_state_is_refused_with_the_actions_allowed_now() -> None:
    with pytest.raises(TransitionRefused) as refused:
        DOORS.check(Door("open", "painter1"), "open", KEEPER)
    assert refused.value.state == "open"
    assert refused.value.allowed == ["close", "inspect"]
    assert "not possible in state open" in refused.value.why


def test_a_failing_guard_refuses_and_hides_the_action() -> None:
    door = Door("closed", "painter1", locked_by_court=True)
    assert "open" not in DOORS.allowed_actions(door, KEEPER)
    with pytest.raises(TransitionRefused, match="court order"):
        DOORS.check(door, "open", KEEPER)


def test_admins_may_do_everything_the_state_allows() -> None:
    assert DOORS.allowed_actions(Door("open", "painter1"), ADMIN) == ["close", "paint", "inspect"]


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="door has no action 'knock'"):
        DOORS.check(Door("open", "x"), "knock", KEEPER)


def test_owner_only_rules_without_an_ownership_check_are_refused_at_definition() -> None:
    with pytest.raises(ValueError, match="ownership check"):
        Lifecycle[Door](
            aggregate="door",
            rules={"paint": Rule(frozenset({"painter"}), states("open"), owner_only=True)},
            state_of=lambda door: door.state,
        )


def test_states_reached_lists_every_from_and_to_state() -> None:
    assert DOORS.states_reached() == {"open", "closed"}


def test_the_version_check_passes_on_the_current_version_in_either_tag_form() -> None:
    check_version("door", 3, None)
    check_version("door", 3, "3")
    check_version("door", 3, etag(3))
    assert etag(3) == 'W/"3"'


def test_a_stale_version_is_a_412_naming_the_current_version() -> None:
    with pytest.raises(ProblemError) as stale:
        check_version("door", 4, '"3"')
    assert stale.value.status == 412
    assert "it is at version 4, not 3" in stale.value.detail
