"""Mediation's tables: dispute cases with their history, parties, sessions, agreement terms and
follow-ups; the mediators who take them; screening rounds and their reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pingan_common.db import new_metadata
from pingan_common.idempotency import idempotency_table
from pingan_common.lifecycle import HistoryMixin
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Mediation's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)
idempotency_records = idempotency_table(Base.metadata)
case_number_sequence = Sequence("case_number_seq", metadata=Base.metadata)

# The scanner's stages, each a partial index's predicate, word for word (see cases/scanner.py).
OPEN_CASE = "state IN ('registered', 'accepted', 'mediating')"
WARN_PENDING = f"{OPEN_CASE} AND warn_at IS NOT NULL AND warned_due_at IS DISTINCT FROM due_at"
OVERDUE_PENDING = f"{OPEN_CASE} AND overdue_due_at IS DISTINCT FROM due_at"
TERM_DUE_PENDING = "state = 'pending' AND due_notified_at IS NULL"
TERM_BREACH_PENDING = "state = 'pending'"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    # The ticket behind the case; none for a walk-in or a referral registered at the desk.
    ticket_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    source_event_id: Mapped[UUID | None] = mapped_column(Uuid, unique=True)
    source: Mapped[str] = mapped_column(String(16), server_default="ticket")
    referral_ref: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), index=True)
    dispute_type: Mapped[str | None] = mapped_column(String(64))
    dispute_label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    people_involved: Mapped[int] = mapped_column(Integer, server_default="2")
    level: Mapped[str] = mapped_column(String(16), server_default="village")
    level_rule: Mapped[str | None] = mapped_column(String(40))
    committee_code: Mapped[str] = mapped_column(String(40), index=True)
    committee_name: Mapped[str] = mapped_column(String(100))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    registered_by: Mapped[str] = mapped_column(String(100), server_default="system")
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    court_referred: Mapped[bool] = mapped_column(Boolean, server_default="false")
    warn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # For which due date the warning / overdue stage fired (an extension re-arms them).
    warned_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extension_count: Mapped[int] = mapped_column(Integer, server_default="0")
    extension_reason: Mapped[str | None] = mapped_column(Text)
    mediator_id: Mapped[str | None] = mapped_column(String(100), index=True)
    mediator_name: Mapped[str | None] = mapped_column(String(100))
    leader_id: Mapped[str | None] = mapped_column(String(100))
    leader_name: Mapped[str | None] = mapped_column(String(100))
    failed_sessions: Mapped[int] = mapped_column(Integer, server_default="0")
    # Counters the lifecycle's guards read from the row alone.
    scheduled_sessions: Mapped[int] = mapped_column(Integer, server_default="0")
    open_terms: Mapped[int] = mapped_column(Integer, server_default="0")
    # The 民转刑 reasons already signalled for this case (each is raised once).
    signals_raised: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default="{}")
    confirmation_due_on: Mapped[date | None] = mapped_column(Date)
    referral_route: Mapped[str | None] = mapped_column(String(16))
    referral_body: Mapped[str | None] = mapped_column(String(100))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The citizen's answer to the survey SMS sent when the case's ticket closed (回访).
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    satisfaction_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it once
    __table_args__ = (
        Index("ix_cases_scan_warn", "warn_at", postgresql_where=text(WARN_PENDING)),
        Index("ix_cases_scan_overdue", "due_at", postgresql_where=text(OVERDUE_PENDING)),
    )


class CaseHistory(HistoryMixin, Base):
    """The case's timeline: one row per transition, written with the change."""

    __tablename__ = "case_history"

    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), index=True)


class CaseParty(Base):
    """A party's contacts, stored once; responses mask them for roles that do not need them."""

    __tablename__ = "case_parties"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # applicant, respondent, other
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    id_number: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    # The opaque reference events use instead of the person (stable per party and case).
    ref: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    # A recorded history of violence (a 民转刑 sign from the start).
    prior_violence: Mapped[bool] = mapped_column(Boolean, server_default="false")


class CaseSession(Base):
    __tablename__ = "case_sessions"
    __table_args__ = (UniqueConstraint("case_id", "session_no"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    session_no: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # scheduled, held
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    experts: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    outcome: Mapped[str | None] = mapped_column(String(16))
    attendance: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    record: Mapped[str | None] = mapped_column(Text)
    threat_recorded: Mapped[bool] = mapped_column(Boolean, server_default="false")
    violence_recorded: Mapped[bool] = mapped_column(Boolean, server_default="false")
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseTerm(Base):
    """One term of the agreement (调解协议): who owes what by when, and whether it was done."""

    __tablename__ = "case_terms"
    __table_args__ = (
        UniqueConstraint("case_id", "term_no"),
        Index("ix_case_terms_scan_due", "due_notice_at", postgresql_where=text(TERM_DUE_PENDING)),
        Index("ix_case_terms_scan_breach", "breach_at", postgresql_where=text(TERM_BREACH_PENDING)),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    agreement_id: Mapped[UUID] = mapped_column(Uuid)
    term_no: Mapped[int] = mapped_column(Integer)
    obligor_ref: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    due_on: Mapped[date] = mapped_column(Date)
    # The start of the due date and the start of the day after it, in county time.
    due_notice_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    breach_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))  # pending, performed, breached
    due_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseAgreement(Base):
    __tablename__ = "case_agreements"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), unique=True)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    facts: Mapped[str] = mapped_column(Text)  # 纠纷事实 as the agreement states them
    confirmation_due_on: Mapped[date] = mapped_column(Date)


class CaseFollowup(Base):
    __tablename__ = "case_followups"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    term_no: Mapped[int | None] = mapped_column(Integer)
    performed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class Mediator(Base):
    """A people's mediator, at a committee (village), a township center or the county."""

    __tablename__ = "mediators"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the staff user id
    name: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(20))
    specialties: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    generated: Mapped[bool] = mapped_column(Boolean, server_default="false")


class ScreeningRound(Base):
    """One round of proactive screening (排查): village weekly, township fortnightly, county
    monthly, or a campaign; the bodies that must report are listed on it."""

    __tablename__ = "screening_rounds"
    __table_args__ = (UniqueConstraint("level", "area_code", "period_start"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    assignee_units: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(100))


class ScreeningReport(Base):
    """A unit's form for a round: disputes found, hazards, or nothing (台账: 逐人、逐案、逐项)."""

    __tablename__ = "screening_reports"
    __table_args__ = (UniqueConstraint("round_id", "unit_code"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    round_id: Mapped[UUID] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    disputes_found: Mapped[int] = mapped_column(Integer)
    hazards_found: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict]] = mapped_column(JSONB, server_default="[]")
    cases_registered: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    reported_by: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContactRead(Base):
    """Who saw a case's parties' contacts in full, and when (PIPL: reads are audited)."""

    __tablename__ = "contact_reads"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    case_id: Mapped[UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    reader: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    purpose: Mapped[str] = mapped_column(String(40))  # case_detail, agreement_pdf
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
