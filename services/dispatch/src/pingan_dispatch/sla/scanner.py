"""The deadline scanner: 预警 at 80 %, 催办 when overdue, 督办 a further period later.

One pass looks, per stage, for open tasks whose instant has passed and whose stage has not
fired for the current due date, and publishes the stage's event once:

=================  ==================  ======================================  ================
stage              instant             fires for                               event
=================  ==================  ======================================  ================
warning            ``warn_at``         ``due_at`` (``warned_due_at``)          deadline_warning
accept_overdue     ``accept_due_at``   ``accept_due_at`` (state ``assigned``)  overdue (accept)
overdue            ``due_at``          ``due_at`` (``overdue_due_at``)         overdue (handle)
escalated          ``escalate_at``     ``due_at`` (``escalated_due_at``)       escalated
=================  ==================  ======================================  ================

Recording *for which due date* a stage fired (not just "fired") re-arms it when an extension
or a reopen moves the due date. A warning that comes after the deadline has already passed
(the scanner was down) is recorded without an event: the overdue notice says more.

Each stage is a range scan over a partial index (``models.Task``: open tasks whose stage is
pending), in batches claimed with ``FOR UPDATE SKIP LOCKED`` and committed one by one, so
several replicas may scan at once without publishing a stage twice. Time comes from the
caller (the runtime clock), so tests and the dev clock offset move it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import Row, Select, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pingan_common.db import SessionFactory
from pingan_common.events.dispatch import (
    TaskDeadlineData,
    TaskDeadlineWarning,
    TaskDeadlineWarningData,
    TaskEscalated,
    TaskEscalatedData,
    TaskOverdue,
)
from pingan_common.events.envelope import EventEnvelope
from pingan_common.outbox import Outbox, outbox_row
from pingan_common.runtime import Runtime
from pingan_common.workers import PeriodicWorker
from pingan_dispatch.models import (
    ACCEPT_OVERDUE_PENDING,
    ESCALATE_PENDING,
    OVERDUE_PENDING,
    WARN_PENDING,
    Task,
    TaskHistory,
)
from pingan_dispatch.routing.engine import COUNTY_COMMAND_CENTER, on_duty, supervisor_of
from pingan_dispatch.settings import DispatchSettings
from pingan_dispatch.sla.policy import default_policy
from pingan_dispatch.tasks.work import SYSTEM

log = logging.getLogger("pingan.dispatch.scanner")

SCANNER_PASS_SECONDS = Histogram(
    "pingan_dispatch_scanner_pass_seconds",
    "Time of one deadline-scanner pass",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
SLA_STAGE_EVENTS = Counter(
    "pingan_dispatch_sla_stage_events_total",
    "Deadline stages published (warning, accept_overdue, overdue, escalated)",
    ["stage"],
)


SCANNER_WORKER = "dispatch-deadline-scanner"


@dataclass(frozen=True)
class Stage:
    name: str
    instant: InstrumentedAttribute[datetime | None]
    marker: InstrumentedAttribute[datetime | None]
    due: InstrumentedAttribute[datetime | None]
    pending: str  # the partial index's predicate, word for word, so the planner uses it


STAGES: tuple[Stage, ...] = (
    Stage("warning", Task.warn_at, Task.warned_due_at, Task.due_at, WARN_PENDING),
    Stage(
        "accept_overdue",
        Task.accept_due_at,
        Task.accept_overdue_due_at,
        Task.accept_due_at,
        ACCEPT_OVERDUE_PENDING,
    ),
    Stage("overdue", Task.due_at, Task.overdue_due_at, Task.due_at, OVERDUE_PENDING),
    Stage("escalated", Task.escalate_at, Task.escalated_due_at, Task.due_at, ESCALATE_PENDING),
)


@dataclass
class PassResult:
    published: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in STAGES})
    silenced: int = 0

    @property
    def total(self) -> int:
        return sum(self.published.values())


# What a stage needs to know of a task: enough for the event, nothing loaded as an entity.
DUE_COLUMNS = (
    Task.id,
    Task.ticket_id,
    Task.ticket_number,
    Task.unit_code,
    Task.area_code,
    Task.state,
    Task.due_at,
    Task.accept_due_at,
    Task.category_code,
    Task.category_group,
    Task.sla_class,
    Task.urgency,
)


def due_query(stage: Stage, now: datetime, limit: int) -> Select:
    """The batch a stage claims: an index range scan, locked rows of other scanners skipped."""
    return (
        select(*DUE_COLUMNS)
        .where(stage.instant <= now, text(stage.pending))
        .order_by(stage.instant)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def run_pass(
    sessions: SessionFactory, outbox: Outbox, now: datetime, *, batch_size: int = 500
) -> PassResult:
    """One scan at ``now``: every stage, batch after batch, each batch its own transaction."""
    started = time.perf_counter()
    result = PassResult()
    directory = _DirectoryCache()
    for stage in STAGES:
        while True:
            async with sessions.begin() as session:
                claimed = await _scan_batch(
                    session, outbox, stage, now, batch_size, directory, result
                )
            if claimed:
                outbox.nudge()
            if claimed < batch_size:
                break
    SCANNER_PASS_SECONDS.observe(time.perf_counter() - started)
    for name, count in result.published.items():
        SLA_STAGE_EVENTS.labels(name).inc(count)
    if result.total:
        log.info("scanner pass at %s: %s", now.isoformat(), result.published)
    return result


async def _scan_batch(
    session: AsyncSession,
    outbox: Outbox,
    stage: Stage,
    now: datetime,
    batch_size: int,
    directory: _DirectoryCache,
    result: PassResult,
) -> int:
    """Claim one batch and write its markers, timeline rows and events in a few statements."""
    rows = (await session.execute(due_query(stage, now, batch_size))).all()
    if not rows:
        return 0
    events: list[EventEnvelope] = []
    timeline: list[dict] = []
    for row in rows:
        fired = await _stage_event(session, stage, row, now, directory)
        if fired is None:
            result.silenced += 1
            continue
        event, details = fired
        events.append(event)
        timeline.append(_history_row(row, stage.name, now, details))
        result.published[stage.name] += 1
    await session.execute(
        update(Task)
        .where(Task.id.in_([row.id for row in rows]))
        .values({stage.marker.key: stage.due, "version": Task.version + 1, "updated_at": now})
        .execution_options(synchronize_session=False)
    )
    if timeline:
        await session.execute(insert(TaskHistory), timeline)
    if events:
        await session.execute(insert(outbox.table), [outbox_row(e) for e in events])
    return len(rows)


async def _stage_event(
    session: AsyncSession, stage: Stage, row: Row, now: datetime, directory: _DirectoryCache
) -> tuple[EventEnvelope, dict] | None:
    """The stage's event for one task, or None when it is to be recorded silently."""
    due = getattr(row, stage.due.key)
    if stage.name == "warning" and now > due:
        return None  # already overdue: the overdue notice says more than a warning would
    supervisor = await directory.supervisor(session, row.unit_code)
    common = _fields(row, now) | {"due_at": due, "supervisor_unit_code": supervisor}
    if stage.name == "warning":
        data: Any = TaskDeadlineWarningData(
            **common, deadline="handle", elapsed_fraction=_warn_fraction(row)
        )
        return _event(TaskDeadlineWarning, data, row, now), {"due_at": due}
    if stage.name in ("accept_overdue", "overdue"):
        kind = "accept" if stage.name == "accept_overdue" else "handle"
        data = TaskDeadlineData(**common, deadline=kind)
        details = {"deadline": kind, "due_at": due, "supervisor_unit_code": supervisor}
        return _event(TaskOverdue, data, row, now), details
    to_unit = supervisor or COUNTY_COMMAND_CENTER
    leaders = await directory.leaders(session, to_unit, now)
    data = TaskEscalatedData(
        **common, deadline="handle", escalated_to_unit_code=to_unit, on_duty_leader_ids=leaders
    )
    details = {"due_at": due, "escalated_to_unit_code": to_unit, "leaders": leaders}
    return _event(TaskEscalated, data, row, now), details


def _fields(row: Row, now: datetime) -> dict[str, Any]:
    return {
        "task_id": row.id,
        "ticket_id": row.ticket_id,
        "ticket_number": row.ticket_number,
        "unit_code": row.unit_code,
        "area_code": row.area_code,
        "actor": SYSTEM,
        "occurred_at": now,
    }


def _warn_fraction(row: Row) -> float:
    limits = default_policy().limits_for(
        row.category_code, row.category_group, row.sla_class, row.urgency
    )
    return float(limits.warn_fraction)


def _event(event_class: type[EventEnvelope], data: Any, row: Row, now: datetime) -> EventEnvelope:
    return event_class.create(data, subject=str(row.id), correlationid=str(row.ticket_id), time=now)


def _history_row(row: Row, action: str, now: datetime, details: dict) -> dict[str, Any]:
    return {
        "task_id": row.id,
        "at": now,
        "action": action,
        "actor": SYSTEM,
        "from_state": row.state,
        "to_state": row.state,
        "details": {key: _json(value) for key, value in details.items()},
    }


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class _DirectoryCache:
    """Supervisors and on-duty leaders asked once per pass, not once per task."""

    def __init__(self) -> None:
        self._supervisors: dict[str | None, str | None] = {}
        self._leaders: dict[str, list[str]] = {}

    async def supervisor(self, session: AsyncSession, unit_code: str | None) -> str | None:
        if unit_code not in self._supervisors:
            # A returned task sits with the dispatchers: the county supervises it.
            found = await supervisor_of(session, unit_code) if unit_code else None
            self._supervisors[unit_code] = found or (
                None if unit_code == COUNTY_COMMAND_CENTER else COUNTY_COMMAND_CENTER
            )
        return self._supervisors[unit_code]

    async def leaders(self, session: AsyncSession, unit_code: str, at: datetime) -> list[str]:
        if unit_code not in self._leaders:
            self._leaders[unit_code] = list(await on_duty(session, unit_code, at, "leader"))
        return self._leaders[unit_code]


def scanner_worker(runtime: Runtime) -> PeriodicWorker | None:
    """The scanner as a background loop of the service (None when switched off by settings):
    a pass every ``scanner_interval_seconds``, safe beside other replicas' passes."""
    settings = runtime.settings
    assert isinstance(settings, DispatchSettings)
    if not settings.scanner_enabled:
        return None

    async def one_pass() -> PassResult:
        return await run_pass(
            runtime.sessions,
            runtime.outbox,
            runtime.now(),
            batch_size=settings.scanner_batch_size,
        )

    return PeriodicWorker(SCANNER_WORKER, one_pass, interval=settings.scanner_interval_seconds)
