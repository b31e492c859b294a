"""Screening rounds over REST: the rounds, a campaign opened by hand, a unit's report, and the
ledger (台账) per township or the county, as JSON or CSV, with the units that have not reported."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from pingan_common.auth import Principal, ensure_area, require
from pingan_common.problems import Conflict, Forbidden, NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_mediation.models import ScreeningReport, ScreeningRound
from pingan_mediation.screening.rounds import assignees, open_round, report
from pingan_mediation.screening.schedule import Period

router = APIRouter(prefix="/v1/screening", tags=["screening"])
Staff = Annotated[Principal, Depends(require("mediator", "grid_worker", "leader", "admin"))]
Organiser = Annotated[Principal, Depends(require("leader", "admin"))]


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    level: str
    area_code: str
    title: str
    period_start: date
    period_end: date
    assignee_units: list[str]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=200, examples=["春节前矛盾纠纷集中排查"])
    area_code: str = Field(pattern=r"^\d{6,12}$", examples=["331199"])
    period_start: date
    period_end: date
    level_of_units: Literal["village", "township"] = "village"


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["dispute", "hazard"]
    description: str = Field(min_length=2, max_length=500)
    case_id: UUID | None = None


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str | None = Field(default=None, description="Default: your own unit")
    items: list[ItemIn] = Field(default_factory=list, max_length=200, description="Empty: 无")


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    round_id: UUID
    unit_code: str
    disputes_found: int
    hazards_found: int
    items: list[dict]
    cases_registered: list[UUID]
    reported_by: str


@router.get("/rounds", response_model=list[RoundRead], responses=problem_responses(401, 403))
async def list_rounds(
    principal: Staff, runtime: RuntimeDep, level: str | None = None
) -> list[RoundRead]:
    async with runtime.transaction() as session:
        query = select(ScreeningRound).order_by(
            ScreeningRound.period_start.desc(), ScreeningRound.id
        )
        if level:
            query = query.where(ScreeningRound.level == level)
        rounds = list(await session.scalars(query.limit(200)))
    mine = principal.area_prefixes
    visible = [
        r
        for r in rounds
        if principal.is_county_wide
        or any(
            u.split("-")[0].startswith(mine) or r.area_code.startswith(mine)
            for u in r.assignee_units
        )
    ]
    return [RoundRead.model_validate(r) for r in visible]


@router.post(
    "/rounds",
    response_model=RoundRead,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
)
async def open_campaign(
    body: CampaignCreate, principal: Organiser, runtime: RuntimeDep
) -> RoundRead:
    """A campaign before a sensitive date (专项排查): every committee (or center) of the area."""
    ensure_area(principal, body.area_code)
    if body.period_end < body.period_start:
        raise Conflict("the period ends before it starts", type_="invalid-period")
    period = Period("campaign", body.period_start, body.period_end)
    units = assignees(body.level_of_units, body.area_code)
    async with runtime.transaction() as session:
        opened = await open_round(
            session,
            runtime.outbox,
            period,
            runtime.now(),
            area_code=body.area_code,
            actor=principal.subject,
            title=body.title,
            units=units,
        )
        if opened is None:
            raise Conflict("a campaign of this area starts that day already", type_="duplicate")
        return RoundRead.model_validate(opened)


@router.post(
    "/rounds/{round_id}/reports",
    response_model=ReportRead,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="A unit's screening form for the round: disputes and hazards found, or nothing",
)
async def report_round(
    round_id: UUID, body: ReportCreate, principal: Staff, runtime: RuntimeDep
) -> ReportRead:
    unit = body.unit_code or principal.unit_code
    async with runtime.transaction() as session:
        round_ = await session.get(ScreeningRound, round_id)
        if round_ is None or not _sees(principal, round_):
            raise NotFound("screening round", str(round_id))
        if unit is None or unit not in round_.assignee_units:
            raise Forbidden(f"unit {unit} is not asked to report in this round")
        if not principal.has_role("admin") and unit != principal.unit_code:
            raise Forbidden("a unit reports for itself")
        items = [item.model_dump(mode="json") for item in body.items]
        saved = await report(
            session,
            runtime.outbox,
            round_,
            unit_code=unit,
            area_code=unit.split("-")[0],
            disputes=sum(1 for i in body.items if i.kind == "dispute"),
            hazards=sum(1 for i in body.items if i.kind == "hazard"),
            items=items,
            cases=[i.case_id for i in body.items if i.case_id],
            actor=principal.subject,
            now=runtime.now(),
        )
        if saved is None:
            raise Conflict(f"{unit} has reported for this round already", type_="duplicate")
        return ReportRead.model_validate(saved)


LEDGER_COLUMNS = (
    "round",
    "level",
    "period_start",
    "period_end",
    "unit_code",
    "status",
    "disputes_found",
    "hazards_found",
    "items",
    "reported_by",
    "reported_at",
)


@router.get(
    "/ledger",
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 422)},
    summary="台账: every round's reports per unit in an area and period, and who has not reported",
)
async def ledger(
    principal: Staff,
    runtime: RuntimeDep,
    area_code: Annotated[str, Query(pattern=r"^\d{6,12}$")],
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: Literal["json", "csv"] = "json",  # the query parameter's name
) -> Response:
    ensure_area(principal, area_code)
    async with runtime.transaction(one_snapshot=True) as session:
        rounds = list(
            await session.scalars(
                select(ScreeningRound)
                .where(ScreeningRound.period_start <= end, ScreeningRound.period_end >= start)
                .order_by(ScreeningRound.period_start, ScreeningRound.level)
            )
        )
        reports = {
            (r.round_id, r.unit_code): r
            for r in await session.scalars(
                select(ScreeningReport).where(
                    ScreeningReport.round_id.in_([r.id for r in rounds]),
                    within_area(ScreeningReport.area_code, principal),
                )
            )
        }
    rows: list[dict[str, Any]] = []
    for round_ in rounds:
        for unit in round_.assignee_units:
            if not unit.split("-")[0].startswith(area_code):
                continue
            found = reports.get((round_.id, unit))
            rows.append(
                {
                    "round": round_.title,
                    "level": round_.level,
                    "period_start": round_.period_start.isoformat(),
                    "period_end": round_.period_end.isoformat(),
                    "unit_code": unit,
                    "status": "reported" if found else "missing",
                    "disputes_found": found.disputes_found if found else None,
                    "hazards_found": found.hazards_found if found else None,
                    "items": "；".join(i["description"] for i in found.items) if found else "",
                    "reported_by": found.reported_by if found else None,
                    "reported_at": found.reported_at.isoformat() if found else None,
                }
            )
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=LEDGER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return Response(json.dumps({"rows": rows}, ensure_ascii=False), media_type="application/json")


def _sees(principal: Principal, round_: ScreeningRound) -> bool:
    """Staff of the round's area and of the units it asks; to anyone else it is not there."""
    if principal.covers_area(round_.area_code) or principal.unit_code in round_.assignee_units:
        return True
    return any(principal.covers_area(unit.split("-")[0]) for unit in round_.assignee_units)
