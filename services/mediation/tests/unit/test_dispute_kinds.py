"""One vocabulary of dispute kinds: the contract's (what dispatch may name when a unit converts
a task) and mediation's labels are the same set."""

from __future__ import annotations

from typing import get_args

from pingan_common.events.mediation import DisputeKind
from pingan_mediation.cases.kinds import DISPUTE_KINDS, kind_label


def test_every_kind_of_the_contract_has_a_chinese_label_and_no_label_is_extra():
    assert set(get_args(DisputeKind)) == set(DISPUTE_KINDS)


def test_a_converted_neighbour_dispute_reads_as_such():
    assert kind_label("neighbour") == "邻里纠纷"
