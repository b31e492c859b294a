"""The mediation measures over REST, as JSON or CSV, for a period and a grouping."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, require
from pingan_common.county_time import COUNTY_TZ
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_mediation.measures.figures import CSV_COLUMNS, CaseFact, measures
from pingan_mediation.models import Case, CaseAgreement, CaseTerm

router = APIRouter(prefix="/v1", tags=["measures"])
Reader = Annotated[Principal, Depends(require("mediator", "leader", "analyst", "admin"))]


@router.get(
    "/measures",
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 422)},
    summary="调处成功率, village share, days to agreement, terms on time, referrals, 民转刑 "
    "signals, 满意率 of mediated tickets; per committee, township or county, for the cases "
    "registered in a period",
)
async def get_measures(
    principal: Reader,
    runtime: RuntimeDep,
    start: Annotated[date, Query(alias="from", description="First day, county date")],
    end: Annotated[date, Query(alias="to", description="Last day, county date")],
    group_by: Literal["committee", "township", "county"] = "township",
    format: Literal["json", "csv"] = "json",  # the query parameter's name
) -> Response:
    since = datetime.combine(start, datetime.min.time(), tzinfo=COUNTY_TZ)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=COUNTY_TZ)
    async with runtime.transaction(one_snapshot=True) as session:
        facts = await _facts(session, principal, since, until)
    rows = measures(facts, group_by)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    body = {"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by, "groups": rows}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


async def _facts(
    session: AsyncSession, principal: Principal, since: datetime, until: datetime
) -> list[CaseFact]:
    on_time = func.count(CaseTerm.id).filter(
        and_(CaseTerm.state == "performed", CaseTerm.settled_at < CaseTerm.breach_at)
    )
    late = func.count(CaseTerm.id).filter(
        or_(
            CaseTerm.state == "breached",
            and_(CaseTerm.state == "performed", CaseTerm.settled_at >= CaseTerm.breach_at),
        )
    )
    terms = (
        select(CaseTerm.case_id, on_time.label("on_time"), late.label("late"))
        .group_by(CaseTerm.case_id)
        .subquery()
    )
    rows = await session.execute(
        select(Case, CaseAgreement.signed_at, terms.c.on_time, terms.c.late)
        .outerjoin(CaseAgreement, CaseAgreement.case_id == Case.id)
        .outerjoin(terms, terms.c.case_id == Case.id)
        .where(
            within_area(Case.area_code, principal), Case.opened_at >= since, Case.opened_at < until
        )
    )
    return [
        CaseFact(
            committee_code=row.Case.committee_code,
            area_code=row.Case.area_code,
            kind=row.Case.dispute_type or "general",
            level=row.Case.level,
            source=row.Case.source,
            state=row.Case.state,
            outcome=row.Case.outcome,
            accepted_at=row.Case.accepted_at,
            agreed_at=row.signed_at,
            # an agreed case cannot escalate any more: its level is the agreement's
            agreed_level=row.Case.level if row.signed_at else None,
            signals=len(row.Case.signals_raised),
            terms_on_time=row.on_time or 0,
            terms_late_or_breached=row.late or 0,
            satisfaction=row.Case.satisfaction,
        )
        for row in rows
    ]
