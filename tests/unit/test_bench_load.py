"""The load benchmark's own rules: what counts as complete, sustained and bisected."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from bench_load import (
    Completion,
    Sent,
    Stage,
    missing,
    percentiles,
    sustainable_bounds,
)


def _sent(dispositions: list[str], *, answered_after: float = 0.05) -> Sent:
    sent = Sent(scheduled=1_000.0, answered=1_000.0 + answered_after, status=201)
    sent.ticket_id = uuid.uuid4()
    sent.dispositions = dispositions
    sent.answer_only = dispositions == ["answer"]
    return sent


def test_a_task_ticket_is_complete_only_with_its_task_its_timeline_step_and_its_receipt() -> None:
    sent = _sent(["task"])
    tid = sent.ticket_id
    assert tid is not None
    at = {tid: datetime.now(UTC)}
    assert missing(tid, sent, {}, set(), set()) == [
        "step task_assigned",
        "task assigned",
        "receipt queued",
    ]
    assert missing(tid, sent, at, {(tid, "task_assigned")}, set()) == ["receipt queued"]
    assert missing(tid, sent, at, {(tid, "task_assigned")}, {tid}) == []


def test_an_answered_question_needs_no_receipt_and_a_merged_call_only_its_receipt() -> None:
    answer, merged = _sent(["answer"]), _sent([])
    assert answer.ticket_id and merged.ticket_id
    assert missing(answer.ticket_id, answer, {}, set(), set()) == []
    assert missing(merged.ticket_id, merged, {}, set(), set()) == ["receipt queued"]


def test_percentiles_take_the_sample_at_each_rank() -> None:
    figures = percentiles([float(v) for v in range(1, 101)])
    assert figures == {"p50": 51.0, "p95": 96.0, "p99": 100.0, "max": 100.0}
    assert percentiles([]) is None


def _stage(sends: list[Sent], complete_after: float) -> Stage:
    done = {s.ticket_id: s.scheduled + complete_after for s in sends if s.ticket_id}
    completion = Completion(assigned_at={}, complete_at=done)
    return Stage(5.0, 1.0, sends, completion, {"intake": 0.5}, elapsed_s=2.0, sending_s=1.0)


def test_a_stage_is_sustained_only_when_every_ticket_was_accepted_and_complete_in_time() -> None:
    sends = [_sent(["task"]) for _ in range(5)]
    assert _stage(sends, complete_after=2.0).result(sustain_s=5)["sustained"] is True
    assert _stage(sends, complete_after=9.0).result(sustain_s=5)["sustained"] is False
    refused = Sent(scheduled=1_000.0, answered=1_000.1, status=503)
    assert _stage([*sends, refused], 2.0).result(sustain_s=5)["sustained"] is False


def test_cpu_per_ticket_is_divided_over_the_accepted_tickets() -> None:
    result = _stage([_sent(["task"]) for _ in range(5)], 1.0).result(sustain_s=5)
    assert result["cpu_ms_per_ticket_beyond_idle"] == {"intake": 100.0, "total": 100.0}


def test_bisection_runs_between_the_highest_rate_that_held_and_the_next_that_failed() -> None:
    def stage(rate: float, held: bool) -> dict[str, object]:
        return {"offered_per_s": rate, "sustained": held}

    assert sustainable_bounds([stage(5, True), stage(20, True), stage(50, False)]) == (20, 50)
    assert sustainable_bounds([stage(5, False), stage(20, False)]) is None
    assert sustainable_bounds([stage(20, True), stage(21, False)]) is None
    assert sustainable_bounds([stage(5, True), stage(20, True)]) is None
