"""Each role sees the pages meant for it and lands on its own home page."""

from __future__ import annotations

import pytest

from pingan_common.auth import Principal, Role
from pingan_console.shell.navigation import HOME_BY_ROLE, PAGES, home_for, pages_for, role_label


def principal(*roles: str) -> Principal:
    return Principal(subject="u", name="n", roles=frozenset(roles), area_code="331199")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_home_page_it_may_open(role: Role) -> None:
    user = principal(role)
    home = home_for(user)
    assert home == HOME_BY_ROLE[role]
    assert home in {page.path for page in pages_for(user)}


def test_a_handler_sees_its_unit_inbox_and_not_the_call_form_or_the_key_persons() -> None:
    paths = {page.path for page in pages_for(principal(Role.HANDLER))}
    assert "/unit" in paths
    assert "/operator" not in paths
    assert "/keypersons" not in paths


def test_a_user_without_a_known_role_is_sent_to_sign_in() -> None:
    assert home_for(principal("citizen")) == "/login"
    assert pages_for(principal("citizen")) == []


def test_role_labels_are_chinese_and_joined_for_several_roles() -> None:
    assert role_label(principal(Role.LEADER)) == "值班领导"
    assert role_label(principal(Role.ANALYST, Role.LEADER)) == "研判人员、值班领导"


def test_page_paths_are_unique() -> None:
    paths = [page.path for page in PAGES]
    assert len(paths) == len(set(paths))
