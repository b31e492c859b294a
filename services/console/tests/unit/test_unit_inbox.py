"""The unit inbox: the service's unit queue tab by tab, replies awaiting review from the list."""

from __future__ import annotations

from pingan_console.unit.inbox import inbox


def _queue() -> dict:
    return {
        "unit_code": "331199001-ZZ",
        "new": {"count": 2, "items": [{"id": "a", "flagged": True}, {"id": "b", "flagged": False}]},
        "in_progress": {"count": 1, "items": [{"id": "c", "flagged": False}]},
        "near_deadline": {"count": 0, "items": []},
        "overdue": {"count": 1, "items": [{"id": "c", "flagged": False}]},
        "flagged_count": 1,
    }


def test_the_tabs_count_what_the_service_counts() -> None:
    shown = inbox(_queue(), [{"id": "r", "due_at": "2026-11-25T00:00:00Z"}], selected="new")
    counts = {count.queue.key: count.shown for count in shown.counts}
    assert counts == {
        "new": "2",
        "in_progress": "1",
        "near_deadline": "0",
        "overdue": "1",
        "replied": "1",
        "flagged": "1",
    }
    assert [row["id"] for row in shown.rows] == ["a", "b"]


def test_the_flagged_tab_lists_flagged_tasks_once() -> None:
    shown = inbox(_queue(), [], selected="flagged")
    assert [row["id"] for row in shown.rows] == ["a"]


def test_an_unknown_tab_shows_the_tasks_to_sign_for() -> None:
    assert inbox(_queue(), [], selected="nope").selected.queue.key == "new"
