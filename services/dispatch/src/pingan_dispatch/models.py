"""Dispatch's tables: the org directory's units and the tasks routed to them."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pingan_common.db import new_metadata
from pingan_common.lifecycle import HistoryMixin
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Dispatch's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)


class Unit(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(40), index=True)
    category_groups: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    phone: Mapped[str | None] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(120))
    # The unit that supervises it (督办): a village's township 综治中心, a township's county
    # command center. Kept apart from parent_code, which is the organisational hierarchy.
    supervisor_code: Mapped[str | None] = mapped_column(String(40), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on every change; the published DirectoryUnitChanged carries it.
    version: Mapped[int] = mapped_column(default=1)
    # Hash of the reference-data record last applied, so a restart re-applies the demo county
    # only where the reference data changed and keeps an admin's edits otherwise.
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Where the scanner looks: open tasks by each instant, only while that stage has not fired for
# the current due date (an extension or a reopen moves the due date, which re-arms the stage).
# Each is a partial index, so a pass is a range scan over the few tasks actually due.
CLOCK_STATES_SQL = "state IN ('assigned', 'accepted', 'in_progress', 'returned')"
WARN_PENDING = f"{CLOCK_STATES_SQL} AND warned_due_at IS DISTINCT FROM due_at"
OVERDUE_PENDING = f"{CLOCK_STATES_SQL} AND overdue_due_at IS DISTINCT FROM due_at"
ESCALATE_PENDING = f"{CLOCK_STATES_SQL} AND escalated_due_at IS DISTINCT FROM due_at"
ACCEPT_OVERDUE_PENDING = (
    "state = 'assigned' AND accept_overdue_due_at IS DISTINCT FROM accept_due_at"
)


class Task(Base):
    """A work item (派单) for one unit: a ticket's task, or a verification (核查) of an alert."""

    __tablename__ = "tasks"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="ticket")
    alert_id: Mapped[UUID | None] = mapped_column(Uuid)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(32))
    # The event that created the task: a second task from the same event is impossible.
    source_event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    summary: Mapped[str] = mapped_column(Text)
    category_group: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str | None] = mapped_column(String(64))
    category_label: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(16))
    sla_class: Mapped[str | None] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    township_code: Mapped[str | None] = mapped_column(String(20))
    village_code: Mapped[str | None] = mapped_column(String(20))
    grid_code: Mapped[str | None] = mapped_column(String(20))
    location_resolved: Mapped[bool] = mapped_column(Boolean, default=True)
    # Routing: who holds it, who helps (协办), and why.
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    co_unit_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    previous_unit_code: Mapped[str | None] = mapped_column(String(40))
    handled_by: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    rule_id: Mapped[str | None] = mapped_column(String(64))
    rules_version: Mapped[str | None] = mapped_column(String(32))
    route_reason: Mapped[str | None] = mapped_column(Text)
    routing_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_by: Mapped[str | None] = mapped_column(String(100))
    # The SLA clock: it runs from the first assignment; only extensions and reopens move it.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # When the handling clock started: the first assignment, or the last reopen (重办).
    clock_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accept_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    original_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalate_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_rule: Mapped[str | None] = mapped_column(String(64))
    sla_policy_version: Mapped[str | None] = mapped_column(String(32))
    # For which due date each scanner stage has fired (null: not yet).
    accept_overdue_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warned_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Progress.
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reply: Mapped[dict | None] = mapped_column(JSONB)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    callback_verdict: Mapped[str | None] = mapped_column(String(32))
    callback_resolved: Mapped[bool | None] = mapped_column(Boolean)
    # A survey answer that came before the review; applied when the reply is accepted.
    pending_callback: Mapped[dict | None] = mapped_column(JSONB)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Counters and the open extension request.
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reassign_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_request: Mapped[dict | None] = mapped_column(JSONB)
    # 挂牌督办: shown on the task and its unit until the task closes.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    flag_source: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it once
    __table_args__ = (
        Index("ix_tasks_scan_warn", "warn_at", postgresql_where=text(WARN_PENDING)),
        Index("ix_tasks_scan_overdue", "due_at", postgresql_where=text(OVERDUE_PENDING)),
        Index("ix_tasks_scan_escalate", "escalate_at", postgresql_where=text(ESCALATE_PENDING)),
        Index(
            "ix_tasks_scan_accept",
            "accept_due_at",
            postgresql_where=text(ACCEPT_OVERDUE_PENDING),
        ),
        Index("ix_tasks_flagged_unit", "unit_code", postgresql_where=text("flagged")),
    )


class TaskHistory(HistoryMixin, Base):
    """The task's timeline: one row per transition, written with the state change."""

    __tablename__ = "task_history"

    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"), index=True)


class TaskAssignment(Base):
    """One spell of a task with one unit: the facts the county's measures are computed from.

    Written with each transition (a new row on assign, reassign and reopen; the current row
    updated on sign-in, return, extension, reply, callback, close), so the KPI query is one
    range scan by ``assigned_at``.
    """

    __tablename__ = "task_assignments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    township_code: Mapped[str | None] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    accept_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    callback: Mapped[str | None] = mapped_column(String(32))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


# --- directory and routing (directory helper) ---


class StaffEntry(Base):
    """A staff member of the org directory (roles, unit, area, work phone)."""

    __tablename__ = "staff"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Roster(Base):
    """A unit's on-duty roster (值班表) for one day: shifts as JSON
    ``[{user_id, duty, starts_at, ends_at}]``; a shift may run past midnight."""

    __tablename__ = "rosters"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    shifts: Mapped[list[dict]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(default=1)
    # True for the demo rotation, False once a person set it: start-up never overwrites it then.
    generated: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoutingRuleSet(Base):
    """One version of the routing rules; exactly one is active (a partial unique index)."""

    __tablename__ = "routing_rule_sets"

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    # The rules file version this set descends from: admin edits of "2026.11.1" are
    # "2026.11.1-r1", "2026.11.1-r2"; a newer file starts a new line.
    base_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_routing_rule_sets_one_active",
            "active",
            unique=True,
            postgresql_where=text("active"),
        ),
    )
