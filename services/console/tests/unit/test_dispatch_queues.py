"""The dispatcher board's counts: the service's buckets as given, the computed ones from the
open task list, escalation shown as unavailable, and the selected queue's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingan_console.dispatch.queues import board, due_soon, new_today

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 14:00 county time


def _task(task_id: str, state: str, *, due_in_hours: float | None, created_hours_ago: float = 48):
    due = NOW + timedelta(hours=due_in_hours) if due_in_hours is not None else None
    return {
        "id": task_id,
        "state": state,
        "due_at": due.isoformat().replace("+00:00", "Z") if due else None,
        "created_at": (NOW - timedelta(hours=created_hours_ago)).isoformat(),
    }


def _service_queue(**counts: int) -> dict:
    names = ("unrouted", "returned", "extension_requests", "awaiting_review", "overdue", "flagged")
    return {
        name: {"count": counts.get(name, 0), "items": [{"id": f"{name}-{i}"} for i in range(2)]}
        for name in names
    }


def test_due_soon_takes_clock_tasks_due_within_a_day_earliest_first() -> None:
    tasks = [
        _task("later", "accepted", due_in_hours=20),
        _task("soon", "assigned", due_in_hours=2),
        _task("past", "accepted", due_in_hours=-1),
        _task("next-week", "accepted", due_in_hours=100),
        _task("replied", "replied", due_in_hours=3),  # a reply stops the clock
        _task("no-deadline", "created", due_in_hours=None),
    ]
    assert [task["id"] for task in due_soon(tasks, NOW)] == ["soon", "later"]


def test_new_today_counts_open_tasks_since_county_midnight_newest_first() -> None:
    # 14:00 county time: 13 hours ago is 01:00 today, 15 hours ago is 23:00 yesterday.
    tasks = [
        _task("early", "assigned", due_in_hours=5, created_hours_ago=13),
        _task("yesterday", "assigned", due_in_hours=5, created_hours_ago=15),
        _task("recent", "created", due_in_hours=None, created_hours_ago=1),
        _task("closed", "closed", due_in_hours=None, created_hours_ago=1),
    ]
    assert [task["id"] for task in new_today(tasks, NOW)] == ["recent", "early"]


def test_the_board_shows_the_service_counts_and_marks_escalation_unavailable() -> None:
    shown = board(
        _service_queue(unrouted=3, overdue=160, flagged=1),
        [_task("soon", "accepted", due_in_hours=2)],
        truncated=False,
        now=NOW,
        selected="overdue",
    )
    counts = {count.queue.key: count for count in shown.counts}
    assert counts["unrouted"].shown == "3"
    assert counts["overdue"].shown == "160"
    assert counts["due_soon"].shown == "1"
    assert counts["escalated"].count is None and counts["escalated"].shown == "—"
    assert shown.selected.queue.key == "overdue"
    assert [row["id"] for row in shown.rows] == ["overdue-0", "overdue-1"]


def test_a_cut_task_list_makes_the_computed_counts_lower_bounds() -> None:
    shown = board(
        _service_queue(),
        [_task("soon", "accepted", due_in_hours=2)],
        truncated=True,
        now=NOW,
        selected="due_soon",
    )
    counts = {count.queue.key: count for count in shown.counts}
    assert counts["due_soon"].shown == "≥1"
    assert counts["returned"].shown == "0"  # the service's own counts are exact


def test_an_unknown_queue_falls_back_to_the_new_tasks_of_today() -> None:
    shown = board(
        _service_queue(),
        [_task("recent", "assigned", due_in_hours=5, created_hours_ago=1)],
        truncated=False,
        now=NOW,
        selected="<script>",
    )
    assert shown.selected.queue.key == "new_today"
    assert [row["id"] for row in shown.rows] == ["recent"]
