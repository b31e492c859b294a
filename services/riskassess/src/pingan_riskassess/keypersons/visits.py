"""Visits (走访) and what they signal, on a key person's alert (subject ``key_person``, named
by ``ref`` only; the alert has no ticket, so its ticket id is derived from the person):

* a recorded visit moves the next due date on; one that does not find the person marks them
  lost (脱管), an orange signal;
* overdue visits (走访逾期): a registered person whose next visit is past due gets a yellow
  signal, once per due date (the next visit re-arms it). Run by the scanner worker; rows
  claimed with ``FOR UPDATE SKIP LOCKED`` so replicas signal each once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

from sqlalchemy import or_, select

from pingan_common.db import SessionFactory
from pingan_common.events.values import RiskLevel
from pingan_common.lifecycle import SYSTEM
from pingan_common.outbox import Outbox
from pingan_riskassess.alerts.work import ALERTS, AlertWork, Lead, Subject, apply_signals
from pingan_riskassess.keypersons.schemas import CATEGORY_LABELS
from pingan_riskassess.models import KeyPerson, KeyPersonVisit
from pingan_riskassess.signals.facts import county_day
from pingan_riskassess.signals.rules import Signal
from pingan_riskassess.signals.ruleset import default_rules

# A key person's alerts have no ticket: their correlation id is derived from the person.
KEY_PERSON_NAMESPACE = UUID("9a4c1e6b-2f7d-4b3a-8e51-0c6d7f2a9b13")


def key_person_lead(person: KeyPerson) -> Lead:
    return Lead(uuid5(KEY_PERSON_NAMESPACE, str(person.id)), person.ref, person.area_code)


async def record_visit(
    work: AlertWork, person: KeyPerson, *, visitor: str, found: bool, notes: str
) -> None:
    """The visit, the next due date from now, and lost contact (脱管) when not found."""
    now = work.now
    work.session.add(
        KeyPersonVisit(
            person_id=person.id, visited_at=now, visited_by=visitor, found=found, notes=notes
        )
    )
    person.last_visit_at = now
    person.next_visit_due_at = now + timedelta(days=person.visit_interval_days)
    person.lost_contact = not found
    person.updated_at = now
    if not found:
        await _lost_contact(work, person)


async def _lost_contact(work: AlertWork, person: KeyPerson) -> None:
    rules = default_rules()
    signal = Signal(
        "key_person_lost_contact",
        RiskLevel.ORANGE,
        f"{CATEGORY_LABELS[person.category]}走访未见本人（脱管）",
        80.0,
        (),
        rules.version,
    )
    await apply_signals(
        work,
        Subject("key_person", person.ref),
        [signal],
        key_person_lead(person),
        rules=rules,
        day=county_day(work.now),
    )


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
