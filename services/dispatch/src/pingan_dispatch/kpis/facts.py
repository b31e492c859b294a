"""The facts the county's measures are computed from, read from the task tables in one query.

A ``task_assignments`` row is one spell of a task with one unit (written by every transition,
see ``models.TaskAssignment``): exactly a ``kpis.TaskFacts``. Cancelled tasks (retracted or
merged tickets) count against no unit and are left out. Each fact carries its task's kind, so
``compute_kpis`` can leave verification tasks (核查) out of the 12345 measures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_dispatch.kpis.measures import TaskFacts
from pingan_dispatch.models import Task, TaskAssignment


async def facts_between(session: AsyncSession, start: datetime, end: datetime) -> list[TaskFacts]:
    """Every spell assigned in [start, end): the cohort ``compute_kpis`` groups and counts."""
    spell = TaskAssignment
    rows = await session.execute(
        select(
            spell.task_id,
            spell.unit_code,
            spell.township_code,
            spell.assigned_at,
            spell.accept_due_at,
            spell.accepted_at,
            spell.due_at,
            spell.replied_at,
            spell.closed_at,
            spell.returned_count,
            spell.reopened_count,
            spell.callback,
            spell.resolved,
            Task.kind,
        )
        .join(Task, Task.id == spell.task_id)
        .where(spell.assigned_at >= start, spell.assigned_at < end, spell.cancelled.is_(False))
    )
    return [
        TaskFacts(
            task_id=str(row.task_id),
            unit_code=row.unit_code,
            township_code=row.township_code,
            assigned_at=row.assigned_at,
            accept_due_at=row.accept_due_at,
            accepted_at=row.accepted_at,
            due_at=row.due_at,
            replied_at=row.replied_at,
            closed_at=row.closed_at,
            returned_count=row.returned_count,
            reopened_count=row.reopened_count,
            callback=row.callback,
            resolved=row.resolved,
            kind=row.kind,
        )
        for row in rows
    ]
