"""The county's measures over REST: 三率 and friends per unit, township or county, and the
township ranking with its yellow cards (黄牌). JSON, or CSV with ``?format=csv``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from pingan_common.auth import Principal, require
from pingan_common.problems import UnprocessableEntity, problem_responses
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_dispatch.kpis.facts import facts_between
from pingan_dispatch.kpis.measures import (
    DEFAULT_YELLOW_CARD_RULE,
    RATE_LABELS,
    RATE_NAMES,
    GroupBy,
    KpiRow,
    RankedRow,
    compute_kpis,
    county_period,
    kpi_csv,
    rank_townships,
    ranking_csv,
)
from pingan_dispatch.sla.workdays import to_county_time

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])

Readers = Annotated[Principal, Depends(require("analyst", "leader", "dispatcher", "admin"))]
From = Annotated[
    date | None, Query(alias="from", description="First day (county time); default 30 days ago")
]
To = Annotated[date | None, Query(alias="to", description="Last day, inclusive; default today")]
Format = Annotated[Literal["json", "csv"], Query()]


class RateOut(BaseModel):
    label: str = Field(examples=["满意率"])
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator, 4 places; null if 0/0")


class KpiRowOut(BaseModel):
    key: str = Field(examples=["331199001"])
    name: str | None = Field(examples=["城关街道"])
    assigned: int
    replied: int
    rates: dict[str, RateOut]
    avg_handling_hours: float | None


class KpiReport(BaseModel):
    period_from: date
    period_to: date
    by: GroupBy
    rows: list[KpiRowOut]


class RankedOut(BaseModel):
    rank: int | None
    score: float | None
    yellow_card: bool = Field(description="黄牌警告")
    reasons: list[str]
    row: KpiRowOut


class RankingReport(BaseModel):
    period_from: date
    period_to: date
    rule: str
    townships: list[RankedOut]


@router.get(
    "",
    response_model=KpiReport,
    responses=problem_responses(401, 403, 422),
    summary="响应率, 按时办结率, 解决率, 满意率, 退单率, 重办率 and handling time for a period",
)
async def kpis(
    principal: Readers,
    runtime: RuntimeDep,
    first_day: From = None,
    last_day: To = None,
    by: GroupBy = "unit",
    format: Format = "json",
) -> KpiReport | PlainTextResponse:
    first, last = _period(first_day, last_day, runtime.now())
    rows = await _rows(runtime, first, last, by)
    if format == "csv":
        return _csv(kpi_csv(rows))
    return KpiReport(period_from=first, period_to=last, by=by, rows=[_row_out(r, by) for r in rows])


@router.get(
    "/ranking",
    response_model=RankingReport,
    responses=problem_responses(401, 403, 422),
    summary="Townships ranked by a weighted score; the bottom ones and any below a floor: 黄牌",
)
async def ranking(
    principal: Readers,
    runtime: RuntimeDep,
    first_day: From = None,
    last_day: To = None,
    format: Format = "json",
) -> RankingReport | PlainTextResponse:
    first, last = _period(first_day, last_day, runtime.now())
    ranked = rank_townships(await _rows(runtime, first, last, "township"), DEFAULT_YELLOW_CARD_RULE)
    if format == "csv":
        return _csv(ranking_csv(ranked))
    return RankingReport(
        period_from=first,
        period_to=last,
        rule=_describe_rule(),
        townships=[_ranked_out(r) for r in ranked],
    )


def _csv(text: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8")


async def _rows(runtime: Runtime, first: date, last: date, by: GroupBy) -> list[KpiRow]:
    start, end = county_period(first, last)
    async with runtime.transaction(one_snapshot=True) as session:
        facts = await facts_between(session, start, end)
    return compute_kpis(facts, start, end, group_by=by)


def _period(first: date | None, last: date | None, now: datetime) -> tuple[date, date]:
    last = last or to_county_time(now).date()
    first = first or last - timedelta(days=29)
    if first > last:
        raise UnprocessableEntity("'from' is after 'to'")
    if (last - first).days > 366 * 3:
        raise UnprocessableEntity("a period may span at most three years")
    return first, last


def _name(key: str, by: GroupBy) -> str | None:
    county = load_county()
    if by == "unit":
        unit = county.unit(key)
        return unit.name if unit else None
    area = county.area(key)
    return area.name if area else None


def _row_out(row: KpiRow, by: GroupBy) -> KpiRowOut:
    return KpiRowOut(
        key=row.key,
        name=_name(row.key, by),
        assigned=row.assigned,
        replied=row.replied,
        rates={
            name: RateOut(
                label=RATE_LABELS[name],
                numerator=row.rates[name].numerator,
                denominator=row.rates[name].denominator,
                value=_float(row.rates[name].value),
            )
            for name in RATE_NAMES
        },
        avg_handling_hours=_float(row.avg_handling_hours),
    )


def _ranked_out(item: RankedRow) -> RankedOut:
    return RankedOut(
        rank=item.rank,
        score=_float(item.score),
        yellow_card=item.yellow_card,
        reasons=list(item.reasons),
        row=_row_out(item.row, "township"),
    )


def _describe_rule() -> str:
    rule = DEFAULT_YELLOW_CARD_RULE
    weights = ", ".join(f"{RATE_LABELS[n]} {w}" for n, w in rule.weights.items())
    floors = ", ".join(f"{RATE_LABELS[n]} ≥ {v}" for n, v in rule.floors.items())
    return (
        f"score = weighted mean ({weights}); bottom {rule.bottom_n} by score get a yellow card, "
        f"as does any township below a floor ({floors}); at least {rule.min_assigned} tasks"
    )


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)
