"""Riskassess's tables: its projection of the events it reads, and the alerts it raises.

* ``contacts``: one row per call intake published (registered, split, merged) with the facts
  the signal rules join on: the caller's phone hash, the place, the employer or site named,
  the category, words of collective action and the number of people reported;
* ``task_facts``: dispatch's tasks as far as riskassess needs them (kind, category, the alert
  a verification task belongs to);
* ``alerts`` with ``alert_history``: one open alert per subject (a caller, a place, an
  employer, a case, a ticket) on the lifecycle engine.
"""

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
from pingan_common.idempotency import idempotency_table
from pingan_common.lifecycle import HistoryMixin
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Riskassess's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)
idempotency_records = idempotency_table(Base.metadata)

OPEN_ALERT = "state <> 'closed'"
AWAITING_ACK = "state = 'raised'"


class Contact(Base):
    """One call as the signal rules see it (riskassess's projection of intake's events)."""

    __tablename__ = "contacts"

    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(32))
    phone_hash: Mapped[str | None] = mapped_column(String(128))
    area_code: Mapped[str] = mapped_column(String(20))
    township_code: Mapped[str | None] = mapped_column(String(20))
    village_code: Mapped[str | None] = mapped_column(String(20))
    category_group: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str | None] = mapped_column(String(64))
    # The employer, site or estate the call names (``signals.extract``), else None.
    place_key: Mapped[str | None] = mapped_column(String(100))
    collective: Mapped[bool] = mapped_column(Boolean)
    headcount: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_contacts_phone_hash_occurred_at", "phone_hash", "occurred_at"),
        Index("ix_contacts_place_key_occurred_at", "place_key", "occurred_at"),
        Index("ix_contacts_category_code_area", "category_code", "township_code", "occurred_at"),
    )


class TaskFact(Base):
    """A dispatch task as riskassess needs it: its kind, category and alert."""

    __tablename__ = "task_facts"

    task_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    alert_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    category_group: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str | None] = mapped_column(String(64))
    area_code: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseSignalFact(Base):
    """A 民转刑 sign mediation reported on a case (its ``case.risk_signal``), kept so that a
    later threat by a party of the case can be joined to it."""

    __tablename__ = "case_signals"

    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    case_number: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    reason: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[str] = mapped_column(String(128))
    # The ticket that first raised it (every alert event's correlation id).
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(32))
    # The event that raised it (one event may raise alerts on several subjects).
    source_event_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    signals: Mapped[list[dict]] = mapped_column(JSONB)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(Text)
    notify_roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ack_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    escalation_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated_area_code: Mapped[str | None] = mapped_column(String(20))
    verification_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_task_id: Mapped[UUID | None] = mapped_column(Uuid)
    verification_report: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    measures: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it once
    __table_args__ = (
        # One open alert per subject: new signals about it raise its level instead.
        Index(
            "uq_alerts_open_subject",
            "subject_kind",
            "subject_ref",
            unique=True,
            postgresql_where=text(OPEN_ALERT),
        ),
        # The acknowledgement scanner's range scan.
        Index("ix_alerts_awaiting_ack", "ack_due_at", postgresql_where=text(AWAITING_ACK)),
    )


class AlertHistory(HistoryMixin, Base):
    """The alert's timeline: one row per step, written with the change."""

    __tablename__ = "alert_history"

    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id"), index=True)


class KeyPerson(Base):
    """A registered key person (重点人员): highly sensitive personal data, read only by the
    roles ``keypersons.access`` allows, every read audited; other services and events know
    the person only by ``ref``."""

    __tablename__ = "key_persons"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(60))
    name_masked: Mapped[str] = mapped_column(String(60))
    phone_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    resident_id_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    case_officer: Mapped[str] = mapped_column(String(100))
    guardian: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # registered 在册 / released 解除
    risk_rating: Mapped[str] = mapped_column(String(16))  # red / orange / yellow / blue
    visit_interval_days: Mapped[int] = mapped_column(Integer)
    last_visit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_visit_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lost_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # The visit due date the overdue signal last fired for (re-armed by the next visit).
    overdue_signalled_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeyPersonVisit(Base):
    """A visit (走访) by the grid worker or case officer."""

    __tablename__ = "key_person_visits"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("key_persons.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    visited_by: Mapped[str] = mapped_column(String(100))
    found: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text)


class KeyPersonAudit(Base):
    """Every read (and write) of key-person data: who, as which role, what, when, why."""

    __tablename__ = "key_person_audit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    action: Mapped[str] = mapped_column(String(32))
    person_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    route: Mapped[str] = mapped_column(String(200))


class Assessment(Base):
    """A major matter's social-stability risk assessment (重大事项社会稳定风险评估)."""

    __tablename__ = "assessments"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    matter_kind: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    procedure: Mapped[str] = mapped_column(String(16))
    affected_population: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    conclusion: Mapped[str | None] = mapped_column(String(8))
    scores: Mapped[dict | None] = mapped_column(JSONB)
    decision: Mapped[str | None] = mapped_column(String(32))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(100))
    # The organisations and people with a stake in the matter (建设单位, 被征收村…): an expert
    # with an interest in any of them is never drawn (``assessments.experts``).
    parties: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it once


class AssessmentHistory(HistoryMixin, Base):
    __tablename__ = "assessment_history"

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessments.id"), index=True)


class Mitigation(Base):
    """A measure that controls an assessed risk, with its owner and due date, tracked on its
    own lifecycle (``assessments.mitigations``): planned → in_progress → done, or overdue."""

    __tablename__ = "mitigations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessments.id"), index=True)
    measure: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The assessment's area, copied so the mitigation is scoped without a join.
    area_code: Mapped[str] = mapped_column(String(20), index=True, server_default="")
    state: Mapped[str] = mapped_column(String(16), server_default="planned")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(server_default="1", default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it once
    __table_args__ = (
        # The overdue scanner's range scan over the mitigations not yet done.
        Index(
            "ix_mitigations_open_due",
            "due_date",
            postgresql_where=text("state IN ('planned', 'in_progress')"),
        ),
    )


class MitigationHistory(HistoryMixin, Base):
    __tablename__ = "mitigation_history"

    mitigation_id: Mapped[int] = mapped_column(ForeignKey("mitigations.id"), index=True)


class Expert(Base):
    """A member of the expert pool (专家库) and the interests that bar them from a matter."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(60))  # 专业领域: 法律, 规划, 环保, 社会学…
    organisation: Mapped[str] = mapped_column(String(100))
    # Organisations and people the expert has a stake in (employer, relatives, shares …).
    interests: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    # Matters the expert declared a conflict on.
    conflict_assessment_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssessmentExpert(Base):
    """An expert drawn for an assessment (with the draw's seed) and, once given, their scores."""

    __tablename__ = "assessment_experts"

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scores: Mapped[dict | None] = mapped_column(JSONB)
    opinion: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AssessmentHearing(Base):
    """A consultation or hearing on a matter (听证会, 座谈会, 征求意见, 公示)."""

    __tablename__ = "assessment_hearings"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    in_favour: Mapped[int] = mapped_column(Integer)
    against: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnalysisMeeting(Base):
    """A 会商研判 meeting: who attended, the matters discussed, the decisions and their owners."""

    __tablename__ = "analysis_meetings"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    attendees: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    matters: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # [{"decision": …, "owner": …, "due_date": "YYYY-MM-DD" | null}]
    decisions: Mapped[list[dict]] = mapped_column(JSONB)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Bulletin(Base):
    """A warning bulletin (预警通报) issued to units and areas; notify delivers it."""

    __tablename__ = "bulletins"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    unit_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    meeting_id: Mapped[UUID | None] = mapped_column(ForeignKey("analysis_meetings.id"))
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
