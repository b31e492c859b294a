"""The dispatcher board's counts: every one the service's own, a missing bucket shown as "—",
and the selected queue's rows (an unknown queue falls back to today's new tasks)."""

from __future__ import annotations

from pingan_console.dispatch.queues import QUEUES, board

NAMES = [queue.key for queue in QUEUES]


def _service_queue(**counts: int) -> dict:
    return {
        name: {"count": counts.get(name, 0), "items": [{"id": f"{name}-{i}"} for i in range(2)]}
        for name in NAMES
    }


def test_the_board_shows_the_service_counts_and_the_selected_rows() -> None:
    shown = board(_service_queue(unrouted=3, overdue=160, escalated=4), selected="overdue")
    counts = {count.queue.key: count for count in shown.counts}
    assert counts["unrouted"].shown == "3"
    assert counts["overdue"].shown == "160"
    assert counts["escalated"].shown == "4"
    assert counts["due_soon"].shown == "0"
    assert shown.selected.queue.key == "overdue"
    assert [row["id"] for row in shown.rows] == ["overdue-0", "overdue-1"]


def test_the_queues_are_shown_in_order_with_today_first() -> None:
    shown = board(_service_queue(), selected="new_today")
    assert shown.counts[0].queue.key == "new_today"
    assert len(shown.counts) == len(QUEUES)


def test_a_bucket_the_service_does_not_give_is_shown_as_unknown_not_zero() -> None:
    partial = _service_queue()
    del partial["escalated"]
    shown = board(partial, selected="escalated")
    assert shown.selected.shown == "—"
    assert shown.selected.count is None
    assert shown.rows == []


def test_an_unknown_queue_falls_back_to_the_new_tasks_of_today() -> None:
    shown = board(_service_queue(), selected="<script>")
    assert shown.selected.queue.key == "new_today"
    assert [row["id"] for row in shown.rows] == ["new_today-0", "new_today-1"]
