"""The expert pool's conflict rule and draw, pure: a conflicted expert is never drawn, and the
same seed over the same pool draws the same experts (so a draw can be replayed and audited)."""

from __future__ import annotations

from uuid import UUID

from pingan_riskassess.assessments.experts import Candidate, conflict, draw

MATTER = UUID("01900000-0000-7000-8000-000000000001")
OTHER = UUID("01900000-0000-7000-8000-000000000002")
PARTIES = ["城东开发公司", "城东村村委会"]


def pool() -> list[Candidate]:
    return [
        Candidate(1, "县律师协会", ()),
        Candidate(2, "城东开发公司", ()),  # works for a party
        Candidate(3, "市规划院", ("城东村村委会 ",)),  # an interest in a party (spaces trimmed)
        Candidate(4, "市环保所", (), (MATTER,)),  # declared a conflict on this matter
        Candidate(5, "县党校", ()),
        Candidate(6, "市建筑设计院", (), (OTHER,)),  # a conflict on another matter only
        Candidate(7, "县社科联", (), active=False),
        Candidate(8, "县医院", ("青山水泥厂",)),
    ]


def test_each_kind_of_conflict_bars_the_expert_and_says_why():
    reasons = {c.expert_id: conflict(c, MATTER, PARTIES) for c in pool()}

    assert reasons[2] == "works for a party to the matter"
    assert reasons[3] == "has an interest in 城东村村委会"
    assert reasons[4] == "declared a conflict on this matter"
    assert reasons[1] is None
    assert reasons[6] is None
    assert reasons[8] is None


def test_a_conflicted_expert_is_never_drawn_whatever_the_seed():
    for n in range(200):
        result = draw(pool(), assessment_id=MATTER, parties=PARTIES, count=8, seed=f"s{n}")

        assert not {2, 3, 4} & set(result.drawn)
        assert 7 not in result.drawn  # inactive
        assert sorted(result.drawn) == [1, 5, 6, 8]
        assert result.excluded == [2, 3, 4]


def test_the_same_seed_and_pool_draw_the_same_experts_and_another_seed_may_not():
    first = draw(pool(), assessment_id=MATTER, parties=PARTIES, count=2, seed="abc")
    again = draw(list(reversed(pool())), assessment_id=MATTER, parties=PARTIES, count=2, seed="abc")
    others = {
        tuple(draw(pool(), assessment_id=MATTER, parties=PARTIES, count=2, seed=s).drawn)
        for s in ("a", "b", "c", "d", "e", "f")
    }

    assert first == again
    assert first.eligible == [1, 5, 6, 8]
    assert len(others) > 1


def test_a_second_draw_tops_up_without_drawing_anyone_twice():
    first = draw(pool(), assessment_id=MATTER, parties=PARTIES, count=2, seed="x")
    second = draw(
        pool(), assessment_id=MATTER, parties=PARTIES, count=5, seed="y", already_drawn=first.drawn
    )

    assert not set(first.drawn) & set(second.drawn)
    assert sorted(first.drawn + second.drawn) == [1, 5, 6, 8]
