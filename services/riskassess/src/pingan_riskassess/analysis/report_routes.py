"""The 稳定形势分析 report over REST, for the caller's area: the data as JSON and the PDF.

``GET /v1/analysis/reports/monthly/2026-11`` and ``…/quarterly/2026-Q4``; add ``.pdf`` for
the printable report. Analysts, leaders and admins; a township's leader gets the township's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from pingan_common.auth import Principal, require
from pingan_common.pdf import FontMissing
from pingan_common.problems import ProblemError, UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_riskassess.analysis.period import BadPeriod, Period, ReportKind, parse_period
from pingan_riskassess.analysis.report import SituationReport, build
from pingan_riskassess.analysis.report_facts import gather

router = APIRouter(prefix="/v1/analysis", tags=["situation analysis"])

Analyst = Annotated[Principal, Depends(require("analyst", "leader", "admin"))]
PeriodKey = Annotated[str, Path(max_length=10, examples=["2026-11", "2026-Q4"])]


def _period(kind: ReportKind, key: str) -> Period:
    try:
        return parse_period(kind, key)
    except BadPeriod as bad:
        raise UnprocessableEntity(
            str(bad), errors=[{"field": "path.period", "message": str(bad), "type": "value_error"}]
        ) from bad


async def _report(principal: Principal, runtime: RuntimeDep, period: Period) -> SituationReport:
    now = runtime.now()
    async with runtime.transaction() as session:
        facts = await gather(session, principal, period, now)
    return build(facts, now)


# Declared before the JSON route: "2026-11.pdf" would otherwise be taken for a period key.
@router.get(
    "/reports/{kind}/{period}.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The report, in Chinese"},
        **problem_responses(401, 403, 422, 503),
    },
    summary="The monthly or quarterly 稳定形势分析 report as a PDF",
)
async def report_pdf(
    kind: ReportKind, period: PeriodKey, principal: Analyst, runtime: RuntimeDep
) -> Response:
    from pingan_riskassess.analysis.report_pdf import render_report  # fpdf2: on first use

    report = await _report(principal, runtime, _period(kind, period))
    try:
        document = render_report(report)
    except FontMissing as missing:
        raise ProblemError(503, "Service Unavailable", str(missing)) from missing
    filename = f"situation-{report.area_code}-{report.period}.pdf"
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get(
    "/reports/{kind}/{period}",
    response_model=SituationReport,
    responses=problem_responses(401, 403, 422),
    summary="The monthly or quarterly 稳定形势分析 report's data",
)
async def report_data(
    kind: ReportKind, period: PeriodKey, principal: Analyst, runtime: RuntimeDep
) -> SituationReport:
    return await _report(principal, runtime, _period(kind, period))
