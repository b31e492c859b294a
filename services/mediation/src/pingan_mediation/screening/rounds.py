"""Opening screening rounds and taking their reports.

The scheduler opens the current period's round of each level once (a unique constraint on
level, area and period start: several replicas may run it at the same instant), with the
bodies that must report — every village committee, every township center, the county — and
announces ``screening.round_opened``. A unit reports once per round (``round_reported``).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.county_time import COUNTY_TZ
from pingan_common.db import SessionFactory
from pingan_common.events.mediation import (
    ScreeningRoundOpened,
    ScreeningRoundOpenedData,
    ScreeningRoundReported,
    ScreeningRoundReportedData,
)
from pingan_common.ids import new_id
from pingan_common.outbox import Outbox
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_common.workers import PeriodicWorker
from pingan_mediation.committees import COUNTY_JUSTICE_BUREAU
from pingan_mediation.models import ScreeningReport, ScreeningRound
from pingan_mediation.screening.schedule import Period, current_periods
from pingan_mediation.settings import MediationSettings

COUNTY_AREA = "331199"
SCHEDULER_WORKER = "mediation-screening-scheduler"


def assignees(level: str, area_code: str = COUNTY_AREA) -> list[str]:
    county = load_county()
    if level == "village":
        units = county.units_of_kind("mediation_committee")
    elif level == "township":
        units = county.units_of_kind("mediation_center")
    else:
        return [COUNTY_JUSTICE_BUREAU] if level == "county" else []
    return sorted(u.code for u in units if u.area_code.startswith(area_code))


async def open_round(
    session: AsyncSession,
    outbox: Outbox,
    period: Period,
    now: datetime,
    *,
    area_code: str = COUNTY_AREA,
    actor: str = "system",
    title: str | None = None,
    units: list[str] | None = None,
) -> ScreeningRound | None:
    """The round, or None when this period's round is open already."""
    units = units if units is not None else assignees(period.level, area_code)
    round_id = new_id()
    inserted = await session.scalar(
        insert(ScreeningRound)
        .values(
            id=round_id,
            level=period.level,
            area_code=area_code,
            title=title or period.title,
            period_start=period.start,
            period_end=period.end,
            assignee_units=units,
            opened_at=now,
            opened_by=actor,
        )
        .on_conflict_do_nothing(index_elements=["level", "area_code", "period_start"])
        .returning(ScreeningRound.id)
    )
    if inserted is None:
        return None
    await outbox.add(
        session,
        ScreeningRoundOpened.create(
            ScreeningRoundOpenedData(
                round_id=round_id,
                level=period.level,
                area_code=area_code,
                period_start=period.start,
                period_end=period.end,
                assignee_units=units,
                opened_at=now,
            ),
            subject=str(round_id),
            correlationid=str(round_id),
            time=now,
        ),
    )
    return await session.get(ScreeningRound, round_id)


async def open_due_rounds(sessions: SessionFactory, outbox: Outbox, now: datetime) -> int:
    opened = 0
    today = now.astimezone(COUNTY_TZ).date()
    async with sessions() as session, session.begin():
        for period in current_periods(today):
            if await open_round(session, outbox, period, now) is not None:
                opened += 1
    return opened


async def report(
    session: AsyncSession,
    outbox: Outbox,
    round_: ScreeningRound,
    *,
    unit_code: str,
    area_code: str,
    disputes: int,
    hazards: int,
    items: list[dict],
    cases: list[UUID],
    actor: str,
    now: datetime,
) -> ScreeningReport | None:
    """The unit's report, or None when it reported for this round already."""
    report_id = new_id()
    inserted = await session.scalar(
        insert(ScreeningReport)
        .values(
            id=report_id,
            round_id=round_.id,
            unit_code=unit_code,
            area_code=area_code,
            disputes_found=disputes,
            hazards_found=hazards,
            items=items,
            cases_registered=cases,
            reported_by=actor,
            reported_at=now,
        )
        .on_conflict_do_nothing(index_elements=["round_id", "unit_code"])
        .returning(ScreeningReport.id)
    )
    if inserted is None:
        return None
    await outbox.add(
        session,
        ScreeningRoundReported.create(
            ScreeningRoundReportedData(
                round_id=round_.id,
                report_id=report_id,
                unit_code=unit_code,
                area_code=area_code,
                disputes_found=disputes,
                hazards_found=hazards,
                cases_registered=cases,
                reported_by=actor,
                reported_at=now,
            ),
            subject=str(round_.id),
            correlationid=str(round_.id),
            time=now,
        ),
    )
    return await session.scalar(select(ScreeningReport).where(ScreeningReport.id == report_id))


def scheduler_worker(runtime: Runtime) -> PeriodicWorker | None:
    settings = runtime.settings
    assert isinstance(settings, MediationSettings)
    if not settings.screening_enabled:
        return None

    async def one_pass() -> int:
        return await open_due_rounds(runtime.sessions, runtime.outbox, runtime.now())

    return PeriodicWorker(SCHEDULER_WORKER, one_pass, interval=settings.screening_interval_seconds)
