"""The grid's visits (走访): rows from riskassess's due list, the visit form's body, the notice."""

from __future__ import annotations

import pytest

from pingan_console.grid import visits
from pingan_console.grid.forms import FormProblem


def _due(person: str, due: str, *, overdue: bool, **extra: object) -> dict[str, object]:
    return {
        "person_id": person,
        "ref": f"KP-{person[-12:].upper()}",
        "name": "孙某某",
        "address": "城关街道幸福社区3幢",
        "area_code": "33119900100101",
        "next_visit_due_at": due,
        "overdue": overdue,
        "last_visit_at": None,
        "lost_contact": False,
        **extra,
    }


def test_the_overdue_visits_come_first_then_by_due_date_in_county_time() -> None:
    page = {
        "items": [
            _due("p-later", "2026-12-06T02:00:00+00:00", overdue=False),
            _due("p-soon", "2026-12-03T02:00:00+00:00", overdue=False),
            _due("p-late", "2026-11-28T02:00:00+00:00", overdue=True, lost_contact=True,
                 last_visit_at="2026-10-29T01:30:00+00:00"),
        ]
    }  # fmt: skip
    rows = visits.visit_rows(page)
    assert [r.person_id for r in rows] == ["p-late", "p-soon", "p-later"]
    late = rows[0]
    assert (late.overdue, late.lost_contact) == (True, True)
    assert (late.due, late.last_visit) == ("11-28 10:00", "10-29 09:30")  # UTC+8
    assert rows[1].last_visit == ""


def test_the_visit_form_becomes_riskassess_body() -> None:
    assert visits.visit_body("1", "  本人在家，情绪稳定 ") == {
        "found": True,
        "notes": "本人在家，情绪稳定",
    }
    assert visits.visit_body("0", "敲门无人，邻居说一周未见")["found"] is False
    with pytest.raises(FormProblem, match="是否见到本人"):
        visits.visit_body("", "本人在家")
    with pytest.raises(FormProblem, match="走访情况"):
        visits.visit_body("1", " 好 ")


def test_the_notice_after_a_visit_says_when_the_next_one_is_due() -> None:
    person = _due("p", "2026-12-09T02:00:00+00:00", overdue=False)
    assert visits.done_text(person) == "已记录走访，下次走访 12-09 10:00"
    lost = {**person, "lost_contact": True}
    assert visits.done_text(lost).startswith("已记录：未见到本人（脱管）")
