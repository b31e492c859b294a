"""The unit inbox: the service's unit queue tab by tab; a bucket it lacks shows "—"."""

from __future__ import annotations

from pingan_console.unit.inbox import inbox


def _queue() -> dict:
    return {
        "unit_code": "331199001-ZZ",
        "new": {"count": 2, "items": [{"id": "a", "flagged": True}, {"id": "b", "flagged": False}]},
        "in_progress": {"count": 1, "items": [{"id": "c", "flagged": False}]},
        "near_deadline": {"count": 0, "items": []},
        "overdue": {"count": 1, "items": [{"id": "c", "flagged": False}]},
        "awaiting_review": {"count": 1, "items": [{"id": "r", "flagged": False}]},
        "flagged": {"count": 1, "items": [{"id": "a", "flagged": True}]},
        "flagged_count": 1,
    }


def test_the_tabs_count_what_the_service_counts() -> None:
    shown = inbox(_queue(), selected="new")
    counts = {count.queue.key: count.shown for count in shown.counts}
    assert counts == {
        "new": "2",
        "in_progress": "1",
        "near_deadline": "0",
        "overdue": "1",
        "awaiting_review": "1",
        "flagged": "1",
    }
    assert [row["id"] for row in shown.rows] == ["a", "b"]


def test_each_tab_lists_its_bucket() -> None:
    assert [row["id"] for row in inbox(_queue(), selected="flagged").rows] == ["a"]
    assert [row["id"] for row in inbox(_queue(), selected="awaiting_review").rows] == ["r"]


def test_a_bucket_an_older_service_lacks_is_unknown_not_zero() -> None:
    queue = _queue()
    del queue["awaiting_review"]
    shown = inbox(queue, selected="awaiting_review")
    assert shown.selected.shown == "—"
    assert shown.rows == []


def test_an_unknown_tab_shows_the_tasks_to_sign_for() -> None:
    assert inbox(_queue(), selected="nope").selected.queue.key == "new"
