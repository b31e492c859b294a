"""What a situation report reads from riskassess's tables for one area and period: calls and
alerts (this period and the one before), key-person counts (never a person's data), the
assessments and mitigations, the 会商研判 meetings and the bulletins issued."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.county_time import COUNTY_TZ
from pingan_common.refdata import load_county
from pingan_common.scoping import within_area
from pingan_riskassess.analysis.measures import AlertFacts
from pingan_riskassess.analysis.period import Period
from pingan_riskassess.analysis.report import BulletinFact, MeetingFact, SituationFacts
from pingan_riskassess.keypersons.schemas import CATEGORY_LABELS
from pingan_riskassess.models import (
    Alert,
    AlertHistory,
    AnalysisMeeting,
    Assessment,
    Bulletin,
    Contact,
    KeyPerson,
    Mitigation,
)


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants a run of county days spans: [first 00:00, the day after last 00:00)."""
    return (
        datetime.combine(first, time.min, COUNTY_TZ),
        datetime.combine(last + timedelta(days=1), time.min, COUNTY_TZ),
    )


def area_name(area_code: str) -> str:
    area = load_county().area(area_code)
    return area.name if area is not None else area_code


async def _calls_by_group(
    session: AsyncSession, principal: Principal, start: datetime, end: datetime
) -> Counter[str]:
    rows = await session.execute(
        select(Contact.category_group, func.count())
        .where(
            Contact.occurred_at >= start,
            Contact.occurred_at < end,
            within_area(Contact.area_code, principal),
        )
        .group_by(Contact.category_group)
    )
    return Counter({group: count for group, count in rows.all()})


async def alerts_raised(
    session: AsyncSession, principal: Principal, start: datetime, end: datetime
) -> list[Alert]:
    return list(
        await session.scalars(
            select(Alert).where(
                Alert.raised_at >= start,
                Alert.raised_at < end,
                within_area(Alert.area_code, principal),
            )
        )
    )


async def alert_facts(session: AsyncSession, alerts: list[Alert]) -> list[AlertFacts]:
    """The measures' view of alerts: acknowledged in time from the acknowledgement's history."""
    in_time = {
        alert_id: bool(details.get("within_limit"))
        for alert_id, details in (
            await session.execute(
                select(AlertHistory.alert_id, AlertHistory.details).where(
                    AlertHistory.action == "acknowledge",
                    AlertHistory.alert_id.in_([a.id for a in alerts]),
                )
            )
        ).all()
    }
    return [
        AlertFacts(
            level=a.level,
            source=a.signals[0]["rule"] if a.signals else "unknown",
            raised_at=a.raised_at,
            acknowledged_at=a.acknowledged_at,
            acknowledged_in_time=in_time.get(a.id),
            verified_at=a.verified_at,
            outcome=a.outcome,
            escalations=a.escalation_count,
        )
        for a in alerts
    ]


async def gather(
    session: AsyncSession, principal: Principal, period: Period, now: datetime
) -> SituationFacts:
    start, end = bounds(period.first_day, period.last_day)
    previous = period.previous()
    before_start, before_end = bounds(previous.first_day, previous.last_day)
    county = load_county()
    scope = principal.area_prefixes[0] if principal.area_prefixes else county.county.code

    townships = Counter(
        {
            code or "unlocated": count
            for code, count in (
                await session.execute(
                    select(Contact.township_code, func.count())
                    .where(
                        Contact.occurred_at >= start,
                        Contact.occurred_at < end,
                        within_area(Contact.area_code, principal),
                    )
                    .group_by(Contact.township_code)
                )
            ).all()
        }
    )
    alerts = await alerts_raised(session, principal, start, end)
    alerts_by_township = Counter(
        a.area_code[:9] if len(a.area_code) >= 9 else a.area_code for a in alerts
    )
    key_persons = (
        await session.execute(
            select(KeyPerson.category, func.count())
            .where(KeyPerson.status == "registered", within_area(KeyPerson.area_code, principal))
            .group_by(KeyPerson.category)
        )
    ).all()
    overdue = await session.scalar(
        select(func.count()).where(
            KeyPerson.status == "registered",
            KeyPerson.next_visit_due_at < now,
            within_area(KeyPerson.area_code, principal),
        )
    )
    lost = await session.scalar(
        select(func.count()).where(
            KeyPerson.status == "registered",
            KeyPerson.lost_contact,
            within_area(KeyPerson.area_code, principal),
        )
    )
    assessments = list(
        await session.scalars(
            select(Assessment).where(
                Assessment.created_at >= start,
                Assessment.created_at < end,
                within_area(Assessment.area_code, principal),
            )
        )
    )
    mitigation_states = Counter(
        {
            state: count
            for state, count in (
                await session.execute(
                    select(Mitigation.state, func.count())
                    .where(within_area(Mitigation.area_code, principal))
                    .group_by(Mitigation.state)
                )
            ).all()
        }
    )
    meetings = list(
        await session.scalars(
            select(AnalysisMeeting)
            .where(
                AnalysisMeeting.held_on >= period.first_day,
                AnalysisMeeting.held_on <= period.last_day,
                within_area(AnalysisMeeting.area_code, principal),
            )
            .order_by(AnalysisMeeting.held_on, AnalysisMeeting.created_at)
        )
    )
    bulletins = list(
        await session.scalars(
            select(Bulletin)
            .where(
                Bulletin.issued_at >= start,
                Bulletin.issued_at < end,
                within_area(Bulletin.area_code, principal),
            )
            .order_by(Bulletin.issued_at)
        )
    )
    return SituationFacts(
        area_code=scope,
        area_name=area_name(scope),
        period=period,
        calls_by_group=await _calls_by_group(session, principal, start, end),
        previous_calls_by_group=await _calls_by_group(session, principal, before_start, before_end),
        calls_by_township=townships,
        alerts_by_township=alerts_by_township,
        township_names={t.code: t.name for t in county.townships} | {"unlocated": "未定位"},
        alerts=await alert_facts(session, alerts),
        previous_alerts=len(await alerts_raised(session, principal, before_start, before_end)),
        key_persons_by_category={
            CATEGORY_LABELS.get(category, category): count for category, count in key_persons
        },
        key_person_visits_overdue=overdue or 0,
        key_persons_lost_contact=lost or 0,
        assessments_registered=len(assessments),
        conclusions=Counter(a.conclusion for a in assessments if a.conclusion),
        decisions=Counter(a.decision for a in assessments if a.decision),
        mitigations_open=mitigation_states["planned"] + mitigation_states["in_progress"],
        mitigations_overdue=mitigation_states["overdue"],
        mitigations_done=mitigation_states["done"],
        meetings=[
            MeetingFact(
                held_on=m.held_on,
                attendees=len(m.attendees),
                matters=list(m.matters),
                decisions=list(m.decisions),
            )
            for m in meetings
        ],
        bulletins=[
            BulletinFact(
                number=b.number,
                level=b.level,
                title=b.title,
                issued_at=b.issued_at,
            )
            for b in bulletins
        ],
    )
