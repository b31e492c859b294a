"""Situation analysis over REST, within the caller's area, for analysts, leaders and admins.

* ``GET /v1/analysis/counts``: calls (riskassess's ``contacts``) in a period of county days,
  by category group, township or day, and the alerts raised in it by level;
* ``GET /v1/analysis/measures``: the risk service's measures (``measures``);
* ``GET /v1/analysis/hotspots``: a GeoJSON FeatureCollection of the grids with calls in the
  period (the demo county's grid polygons), each with its call and alert counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from pingan_common.auth import Principal, require
from pingan_common.county_time import COUNTY_TZ
from pingan_common.problems import UnprocessableEntity, problem_responses
from pingan_common.refdata import load_county
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_riskassess.analysis.measures import compute
from pingan_riskassess.analysis.report_facts import alert_facts, alerts_raised
from pingan_riskassess.models import (
    Alert,
    Assessment,
    Contact,
    KeyPerson,
    Mitigation,
)
from pingan_riskassess.signals.facts import county_day

router = APIRouter(prefix="/v1/analysis", tags=["situation analysis"])

Analyst = Annotated[Principal, Depends(require("analyst", "leader", "admin"))]
MAX_DAYS = 400


class CountRow(BaseModel):
    key: str
    calls: int


class Counts(BaseModel):
    period_from: date
    period_to: date
    by: str
    rows: list[CountRow]
    alerts_by_level: dict[str, int]


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start or (end - start).days > MAX_DAYS:
        raise UnprocessableEntity(
            f"the period must run forwards and span at most {MAX_DAYS} days",
            errors=[{"field": "query.to", "message": "bad period", "type": "value_error"}],
        )
    return (
        datetime.combine(start, time.min, COUNTY_TZ),
        datetime.combine(end + timedelta(days=1), time.min, COUNTY_TZ),
    )


@router.get(
    "/counts",
    response_model=Counts,
    responses=problem_responses(401, 403, 422),
    summary="Calls by category, township or day, and alerts by level, in a period",
)
async def counts(
    principal: Analyst,
    runtime: RuntimeDep,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
    by: Literal["category", "township", "day"] = "category",
) -> Counts:
    start, end = _period(period_from, period_to)
    in_period = (Contact.occurred_at >= start, Contact.occurred_at < end)
    async with runtime.transaction() as session:
        rows = (
            await session.execute(
                select(Contact.category_group, Contact.township_code, Contact.occurred_at).where(
                    *in_period, within_area(Contact.area_code, principal)
                )
            )
        ).all()
        levels = (
            await session.execute(
                select(Alert.level, func.count())
                .where(
                    Alert.raised_at >= start,
                    Alert.raised_at < end,
                    within_area(Alert.area_code, principal),
                )
                .group_by(Alert.level)
            )
        ).all()
    keys = {
        "category": lambda r: r.category_group,
        "township": lambda r: r.township_code or "unlocated",
        "day": lambda r: county_day(r.occurred_at).isoformat(),
    }[by]
    tally = Counter(keys(row) for row in rows)
    return Counts(
        period_from=period_from,
        period_to=period_to,
        by=by,
        rows=[CountRow(key=key, calls=tally[key]) for key in sorted(tally)],
        alerts_by_level={level: count for level, count in levels},
    )


@router.get(
    "/hotspots",
    responses=problem_responses(401, 403, 422),
    summary="Grids with calls in a period, as GeoJSON (for the console's map)",
)
async def hotspots(
    principal: Analyst,
    runtime: RuntimeDep,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
) -> dict[str, Any]:
    start, end = _period(period_from, period_to)
    async with runtime.transaction() as session:
        calls: dict[str, int] = {
            code: count
            for code, count in (
                await session.execute(
                    select(Contact.area_code, func.count())
                    .where(
                        Contact.occurred_at >= start,
                        Contact.occurred_at < end,
                        func.length(Contact.area_code) == 14,
                        within_area(Contact.area_code, principal),
                    )
                    .group_by(Contact.area_code)
                )
            ).all()
        }
        alerts: dict[str, int] = {
            code: count
            for code, count in (
                await session.execute(
                    select(Alert.area_code, func.count())
                    .where(
                        Alert.raised_at >= start,
                        Alert.raised_at < end,
                        within_area(Alert.area_code, principal),
                    )
                    .group_by(Alert.area_code)
                )
            ).all()
        }
    county = load_county()
    features = []
    for code in sorted(calls, key=lambda c: (-calls[c], c)):
        grid = county.area(code)
        if grid is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": grid.geometry,
                "properties": {
                    "code": code,
                    "name": grid.name,
                    "calls": calls[code],
                    "alerts": alerts.get(code, 0),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


class MeasuresOut(BaseModel):
    period_from: date
    period_to: date
    alerts: int
    by_level: dict[str, int]
    by_source: dict[str, int]
    acknowledged: int
    acknowledged_in_time_rate: float | None
    median_minutes_to_acknowledge: float | None
    median_minutes_to_verify: float | None
    verified: int
    false_alarm_rate: float | None
    escalations: int
    key_persons_visit_overdue: int
    key_persons_registered: int
    key_person_visits_on_time_rate: float | None = Field(
        description="Registered key persons whose visit is not overdue / registered (now)"
    )
    assessments_by_state: dict[str, int]
    conclusions: dict[str, int] = Field(description="Assessments by conclusion: high/medium/low")
    decisions: dict[str, int]
    mitigations_by_state: dict[str, int]


@router.get(
    "/measures",
    response_model=MeasuresOut,
    responses=problem_responses(401, 403, 422),
    summary="Alerts by level and source, time to acknowledge and verify, false alarms, "
    "escalations, overdue key-person visits, assessments and their decisions",
)
async def measures(
    principal: Analyst,
    runtime: RuntimeDep,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
) -> MeasuresOut:
    start, end = _period(period_from, period_to)
    async with runtime.transaction() as session:
        alerts = await alert_facts(session, await alerts_raised(session, principal, start, end))
        overdue = await session.scalar(
            select(func.count()).where(
                KeyPerson.status == "registered",
                KeyPerson.next_visit_due_at < runtime.now(),
                within_area(KeyPerson.area_code, principal),
            )
        )
        registered = await session.scalar(
            select(func.count()).where(
                KeyPerson.status == "registered", within_area(KeyPerson.area_code, principal)
            )
        )
        assessments = (
            await session.execute(
                select(Assessment.state, Assessment.conclusion, Assessment.decision).where(
                    within_area(Assessment.area_code, principal)
                )
            )
        ).all()
        mitigations = (
            await session.execute(
                select(Mitigation.state, func.count())
                .where(within_area(Mitigation.area_code, principal))
                .group_by(Mitigation.state)
            )
        ).all()
    computed = compute(alerts)
    return MeasuresOut(
        period_from=period_from,
        period_to=period_to,
        **computed.__dict__,
        key_persons_visit_overdue=overdue or 0,
        key_persons_registered=registered or 0,
        key_person_visits_on_time_rate=(
            round(1 - (overdue or 0) / registered, 4) if registered else None
        ),
        assessments_by_state=dict(Counter(row.state for row in assessments)),
        conclusions=dict(Counter(row.conclusion for row in assessments if row.conclusion)),
        decisions=dict(Counter(row.decision for row in assessments if row.decision)),
        mitigations_by_state={state: count for state, count in mitigations},
    )
