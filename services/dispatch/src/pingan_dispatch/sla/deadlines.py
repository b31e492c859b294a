"""The SLA clock of one task: deadlines from the policy, on the official working-day calendar.

The clock runs from assignment, not from sign-in, so a task bounced between units unsigned
keeps ageing (the loophole DOMAIN.md names). From ``assigned_at`` and the matching policy rule:

* ``accept_due_at`` — sign for it (签收) by then (wall clock: 1 hour, urgent 30 minutes);
* ``due_at`` — reply (办结回复) by then;
* ``warn_at`` — 80 % of the handling budget has elapsed (the reminder, 催办). The budget is
  measured on the clock the rule uses: working time for working-day rules (a weekend does not
  bring the warning closer), wall time for hour rules;
* ``escalate_at`` — still not replied a further period after ``due_at`` (督办: 1 working day,
  urgent 1 hour).

``stage_at`` says where a task stands: ``warning`` from ``warn_at`` on, ``overdue`` after
``due_at`` (a reply at ``due_at`` itself is on time), ``escalated`` after ``escalate_at``.

Extensions (延期) move ``due_at``; at most ``max_extension`` (10 working days) beyond the
*original* due date in total, so a chain of extensions cannot add up to more than one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from pingan_dispatch.sla.policy import SlaLimits, SlaPolicy, default_policy
from pingan_dispatch.sla.workdays import WorkingCalendar, default_calendar, to_county_time

Stage = Literal["ok", "warning", "overdue", "escalated"]


class ExtensionRefused(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Deadlines:
    accept_due_at: datetime
    due_at: datetime
    warn_at: datetime
    escalate_at: datetime
    rule: str
    policy_version: str
    assigned_at: datetime
    original_due_at: datetime


def compute_deadlines(
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    *,
    assigned_at: datetime,
    category_code: str | None,
    group: str | None,
    sla_class: str | None,
    urgency: str,
) -> Deadlines:
    limits = policy.limits_for(category_code, group, sla_class, urgency)
    return deadlines_from_limits(limits, calendar, assigned_at=assigned_at)


def deadlines_from_limits(
    limits: SlaLimits, calendar: WorkingCalendar, *, assigned_at: datetime
) -> Deadlines:
    start = to_county_time(assigned_at)
    due_at = limits.handling.after(start, calendar)
    return Deadlines(
        accept_due_at=limits.sign_in.after(start, calendar),
        due_at=due_at,
        warn_at=_warn_at(limits, calendar, start, due_at),
        escalate_at=limits.escalate_after.after(due_at, calendar),
        rule=limits.rule_id,
        policy_version=limits.policy_version,
        assigned_at=start,
        original_due_at=due_at,
    )


def extend(
    deadlines: Deadlines,
    new_due_at: datetime,
    *,
    now: datetime,
    limits: SlaLimits,
    calendar: WorkingCalendar,
) -> Deadlines:
    """Deadlines after an approved extension to ``new_due_at``; raises ``ExtensionRefused``."""
    new_due = to_county_time(new_due_at)
    if new_due <= deadlines.due_at:
        raise ExtensionRefused("not_later", "an extension must move the due date later")
    if new_due <= to_county_time(now):
        raise ExtensionRefused("in_the_past", "the new due date has already passed")
    latest = limits.max_extension.after(deadlines.original_due_at, calendar)
    if new_due > latest:
        raise ExtensionRefused(
            "too_long",
            f"at most {limits.max_extension} beyond the original due date "
            f"{deadlines.original_due_at.isoformat()}: {latest.isoformat()} at the latest",
        )
    return replace(
        deadlines,
        due_at=new_due,
        warn_at=_warn_at(limits, calendar, deadlines.assigned_at, new_due),
        escalate_at=limits.escalate_after.after(new_due, calendar),
    )


def return_deadline(
    assigned_at: datetime,
    *,
    calendar: WorkingCalendar | None = None,
    policy: SlaPolicy | None = None,
) -> datetime:
    """Last moment a unit may return (退单) a task: 2 working days after assignment."""
    window = (policy or default_policy()).defaults.return_window
    return window.after(to_county_time(assigned_at), calendar or default_calendar())


def return_allowed(
    assigned_at: datetime,
    now: datetime,
    *,
    calendar: WorkingCalendar | None = None,
    policy: SlaPolicy | None = None,
) -> bool:
    """Whether the return window is still open (the window's last instant included).

    The lifecycle also allows a return any time before acceptance; that is its rule, not this
    clock's.
    """
    deadline = return_deadline(assigned_at, calendar=calendar, policy=policy)
    return to_county_time(now) <= deadline


def stage_at(deadlines: Deadlines, now: datetime) -> Stage:
    moment = to_county_time(now)
    if moment > deadlines.escalate_at:
        return "escalated"
    if moment > deadlines.due_at:
        return "overdue"
    if moment >= deadlines.warn_at:
        return "warning"
    return "ok"


def deadlines_for(urgency: str, assigned_at: datetime) -> Deadlines:
    """Deadlines from urgency alone, with the shipped policy and calendar.

    Kept for the first callers (tasks.open_task); new code should call ``compute_deadlines``
    with the category so utility and consultation rules apply.
    """
    return compute_deadlines(
        default_policy(),
        default_calendar(),
        assigned_at=assigned_at,
        category_code=None,
        group=None,
        sla_class=None,
        urgency=urgency,
    )


def _warn_at(
    limits: SlaLimits, calendar: WorkingCalendar, start: datetime, due_at: datetime
) -> datetime:
    # Exact fraction of the budget (0.8 → 4/5), rounded down to the microsecond.
    numerator, denominator = limits.warn_fraction.as_integer_ratio()
    if limits.handling.on_working_days:
        budget = calendar.working_time_between(start, due_at)
        return calendar.add_working_time(start, budget * numerator // denominator)
    return start + (due_at - start) * numerator // denominator
