"""Overdue visits (走访逾期) as signals: a registered person whose next visit is past due gets
a yellow signal on their alert, once per due date (the next visit re-arms it). Run by the
scanner worker; rows claimed with ``FOR UPDATE SKIP LOCKED`` so replicas signal each once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from pingan_common.db import SessionFactory
from pingan_common.events.values import RiskLevel
from pingan_common.lifecycle import SYSTEM
from pingan_common.outbox import Outbox
from pingan_riskassess.alerts.work import ALERTS, AlertWork, Subject, apply_signals
from pingan_riskassess.keypersons.routes import key_person_lead
from pingan_riskassess.keypersons.schemas import CATEGORY_LABELS
from pingan_riskassess.models import KeyPerson
from pingan_riskassess.signals.facts import county_day
from pingan_riskassess.signals.rules import Signal
from pingan_riskassess.signals.ruleset import default_rules


async def signal_overdue_visits(
    sessions: SessionFactory, outbox: Outbox, now: datetime, *, batch_size: int = 100
) -> int:
    rules = default_rules()
    async with sessions.begin() as session:
        due = list(
            await session.scalars(
                select(KeyPerson)
                .where(
                    KeyPerson.status == "registered",
                    KeyPerson.next_visit_due_at <= now,
                    or_(
                        KeyPerson.overdue_signalled_due_at.is_(None),
                        KeyPerson.overdue_signalled_due_at != KeyPerson.next_visit_due_at,
                    ),
                )
                .order_by(KeyPerson.next_visit_due_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        work = AlertWork(ALERTS, session, outbox, now, SYSTEM)
        for person in due:
            person.overdue_signalled_due_at = person.next_visit_due_at
            days = (now - person.next_visit_due_at).days
            signal = Signal(
                "key_person_visit_overdue",
                RiskLevel.YELLOW,
                f"{CATEGORY_LABELS[person.category]}走访逾期{days}天",
                50.0,
                (),
                rules.version,
            )
            await apply_signals(
                work,
                Subject("key_person", person.ref),
                [signal],
                key_person_lead(person),
                rules=rules,
                day=county_day(now),
            )
    if due:
        outbox.nudge()
    return len(due)
