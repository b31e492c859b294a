"""Riskassess's projection of the events it reads, and the queries the rules' facts come from.

Rows are written by the signal handlers in the consumer's transaction (with the inbox claim),
so a redelivered event adds nothing; the primary key is the event id as a second guard.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.county_time import COUNTY_TZ
from pingan_common.events.intake import TicketRegisteredData
from pingan_riskassess.models import CaseSignalFact, Contact, KeyPerson
from pingan_riskassess.signals import extract
from pingan_riskassess.signals.rules import ContactFact
from pingan_riskassess.signals.ruleset import RuleSet


def county_day(at: datetime) -> date:
    return at.astimezone(COUNTY_TZ).date()


async def record_contact(
    session: AsyncSession, event_id: UUID, data: TicketRegisteredData, rules: RuleSet
) -> Contact:
    text = data.description
    place = extract.place_key(text)
    contact = Contact(
        event_id=event_id,
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        phone_hash=data.caller.phone_hash,
        area_code=data.area_code,
        township_code=data.location.township_code,
        village_code=data.location.village_code,
        category_group=data.category.group.value,
        category_code=data.category.code,
        place_key=place_key_of(place, data.location.township_code or data.area_code),
        collective=extract.has_any(text, rules.group_precursor.collective_words),
        headcount=extract.headcount(text, rules.gathering.words),
        occurred_at=data.registered_at,
    )
    await session.execute(
        insert(Contact)
        .values({c.key: getattr(contact, c.key) for c in Contact.__table__.columns})
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    return contact


def place_key_of(place: tuple[str, str] | None, township: str) -> str | None:
    """``employer:鑫达电子厂@331199001``: names repeat across townships, so the key has both."""
    if place is None:
        return None
    kind, name = place
    return f"{kind}:{name}@{township[:9]}"


def _fact(row: Contact, repeat_count: int = 1) -> ContactFact:
    return ContactFact(
        event_id=row.event_id,
        phone_hash=row.phone_hash,
        occurred_at=row.occurred_at,
        place_key=row.place_key,
        collective=row.collective,
        headcount=row.headcount,
        repeat_count=repeat_count,
    )


async def calls_of_caller(
    session: AsyncSession, phone_hash: str, since: datetime
) -> list[ContactFact]:
    rows = await session.scalars(
        select(Contact).where(Contact.phone_hash == phone_hash, Contact.occurred_at >= since)
    )
    return [_fact(row) for row in rows]


async def calls_about_place(
    session: AsyncSession, place_key: str, since: datetime, groups: tuple[str, ...]
) -> list[ContactFact]:
    rows = await session.scalars(
        select(Contact).where(
            Contact.place_key == place_key,
            Contact.occurred_at >= since,
            Contact.category_group.in_(groups),
        )
    )
    return [_fact(row) for row in rows]


async def calls_in_village(
    session: AsyncSession, village_code: str, since: datetime, groups: tuple[str, ...]
) -> list[ContactFact]:
    rows = await session.scalars(
        select(Contact).where(
            Contact.village_code == village_code,
            Contact.occurred_at >= since,
            Contact.category_group.in_(groups),
        )
    )
    return [_fact(row) for row in rows]


async def daily_counts(
    session: AsyncSession, category_code: str, township_code: str, day: date, weeks: int
) -> tuple[int, list[int], list[UUID]]:
    """Calls of a category in a township on ``day``, on the same weekday of each of the
    ``weeks`` before, and the event ids of ``day``'s calls."""
    since = datetime.combine(day - timedelta(weeks=weeks), datetime.min.time(), COUNTY_TZ)
    rows = (
        await session.execute(
            select(Contact.event_id, Contact.occurred_at).where(
                Contact.category_code == category_code,
                Contact.township_code == township_code,
                Contact.occurred_at >= since,
            )
        )
    ).all()
    per_day = Counter(county_day(row.occurred_at) for row in rows)
    baseline = [per_day.get(day - timedelta(weeks=n), 0) for n in range(1, weeks + 1)]
    today_ids = [row.event_id for row in rows if county_day(row.occurred_at) == day]
    return per_day.get(day, 0), baseline, today_ids


async def case_signals_of_caller(
    session: AsyncSession, phone_hash: str, since: datetime
) -> list[CaseSignalFact]:
    """The 民转刑 signs on cases whose ticket was called in by this caller."""
    tickets = select(Contact.ticket_id).where(Contact.phone_hash == phone_hash)
    rows = await session.scalars(
        select(CaseSignalFact)
        .where(CaseSignalFact.ticket_id.in_(tickets), CaseSignalFact.occurred_at >= since)
        .order_by(CaseSignalFact.occurred_at)
    )
    return list(rows)


async def key_persons_named(session: AsyncSession, data: TicketRegisteredData) -> list[KeyPerson]:
    """Registered key persons a call is from or about: the caller's phone hash, their
    resident-ID hash (both keyed with the key intake shares), or the masked name with the very
    address."""
    matches = []
    if data.caller.phone_hash:
        matches.append(KeyPerson.phone_hash == data.caller.phone_hash)
    if data.caller_id_hash:
        matches.append(KeyPerson.resident_id_hash == data.caller_id_hash)
    if data.caller.name_masked and data.location.address:
        matches.append(
            and_(
                KeyPerson.name_masked == data.caller.name_masked,
                KeyPerson.address == data.location.address,
            )
        )
    if not matches:
        return []
    rows = await session.scalars(
        select(KeyPerson).where(KeyPerson.status == "registered", or_(*matches))
    )
    return list(rows)
