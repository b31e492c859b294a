"""Routing rules' REST API: the active rule set, its versions, admin edits, and a dry run."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_county_wide, require
from pingan_common.geo import GridLocator
from pingan_common.problems import Conflict, NotFound, UnprocessableEntity, problem_responses
from pingan_common.refdata import load_county
from pingan_common.runtime import RuntimeDep
from pingan_dispatch.models import RoutingRuleSet, Unit
from pingan_dispatch.routing.engine import RoutingRequest, explain_task
from pingan_dispatch.routing.rules import RuleSetDocument, RuleSetInvalid
from pingan_dispatch.routing.schemas import (
    CandidateOut,
    ExplainRequest,
    ExplainResponse,
    RuleSetRead,
    RuleSetVersion,
    RuleSetWrite,
    UnitOut,
)
from pingan_dispatch.routing.store import RuleSetConflict, save_rule_set

router = APIRouter(prefix="/v1/routing", tags=["routing"])

Reader = Annotated[Principal, Depends(require("dispatcher", "admin", "leader", "analyst"))]
Dispatcher = Annotated[Principal, Depends(require("dispatcher", "admin"))]
Admin = Annotated[Principal, Depends(require("admin"))]


@router.get(
    "/rules",
    response_model=RuleSetRead,
    responses=problem_responses(401, 403, 404),
    summary="The active rule set, or an older version with ?version=",
)
async def get_rules(_: Reader, runtime: RuntimeDep, version: str | None = None) -> RuleSetRead:
    async with runtime.transaction() as session:
        query = select(RoutingRuleSet)
        query = query.where(
            RoutingRuleSet.version == version if version else RoutingRuleSet.active.is_(True)
        )
        stored = await session.scalar(query)
    if stored is None:
        raise NotFound("rule set version", version or "active")
    return rule_set_read(stored)


@router.get(
    "/rules/versions",
    response_model=list[RuleSetVersion],
    responses=problem_responses(401, 403),
    summary="Every stored rule set version, newest first",
)
async def list_versions(_: Reader, runtime: RuntimeDep) -> list[RuleSetVersion]:
    rule_count = func.jsonb_array_length(RoutingRuleSet.document["rules"])
    async with runtime.transaction() as session:
        rows = await session.execute(
            select(RoutingRuleSet, rule_count).order_by(RoutingRuleSet.seq.desc())
        )
        return [
            RuleSetVersion(**_version_fields(stored), rule_count=count)
            for stored, count in rows.tuples()
        ]


@router.put(
    "/rules",
    response_model=RuleSetRead,
    responses=problem_responses(401, 403, 409, 422),
    summary="Replace the rules (county admins): validated, stored as the next version, made active",
)
async def put_rules(body: RuleSetWrite, admin: Admin, runtime: RuntimeDep) -> RuleSetRead:
    ensure_county_wide(admin, "the county's routing rules")
    document = body.model_dump(mode="json", include={"description", "department_duties", "rules"})
    try:
        async with runtime.transaction() as session:
            stored = await save_rule_set(
                session,
                document,
                actor=admin.subject,
                now=runtime.now(),
                comment=body.comment,
                expected_version=body.expected_version,
            )
            return rule_set_read(stored)
    except RuleSetInvalid as error:
        raise UnprocessableEntity(
            "the rule set breaks a routing principle",
            errors=[
                {"field": f"body.{p.field}", "message": p.message, "type": "routing_rule"}
                for p in error.problems
            ],
        ) from error
    except RuleSetConflict as error:
        raise Conflict(str(error), active_version=error.active_version) from error


@router.post(
    "/explain",
    response_model=ExplainResponse,
    responses=problem_responses(401, 403, 422),
    summary="Dry run: where would this category, place and urgency go, and by which rule",
)
async def explain_route(
    body: ExplainRequest, _: Dispatcher, runtime: RuntimeDep
) -> ExplainResponse:
    area_code = body.area_code
    if area_code is None and body.lon is not None and body.lat is not None:
        area_code = _grid_locator().locate_code(body.lon, body.lat)
    request = RoutingRequest(
        category_group=body.category_group,
        category_code=body.category_code,
        urgency=body.urgency,
        area_code=area_code,
    )
    async with runtime.transaction() as session:
        explanation = await explain_task(session, request)
        names = await _unit_names(session, explanation.decision.co_unit_codes)
    decision = explanation.decision
    return ExplainResponse(
        unit=UnitOut(code=decision.unit_code, name=decision.unit_name),
        co_units=[
            UnitOut(code=code, name=names.get(code, code)) for code in decision.co_unit_codes
        ],
        rule_id=decision.rule_id,
        rules_version=decision.rules_version,
        reason=decision.reason,
        fallback=decision.fallback,
        area_code=area_code,
        place_level=explanation.place_level,
        candidates=[
            CandidateOut(rule_id=c.rule_id, priority=c.priority, outcome=c.outcome, why=c.why)
            for c in explanation.candidates
        ],
    )


def rule_set_read(stored: RoutingRuleSet) -> RuleSetRead:
    document = RuleSetDocument.model_validate(stored.document)
    return RuleSetRead(
        **_version_fields(stored),
        description=document.description,
        department_duties=document.department_duties,
        rules=sorted(document.rules, key=lambda rule: (rule.priority, rule.id)),
    )


def _version_fields(stored: RoutingRuleSet) -> dict[str, Any]:
    """How a stored version of the rules describes itself, in the list and in the read."""
    return {
        "version": stored.version,
        "base_version": stored.base_version,
        "source": stored.source,
        "active": stored.active,
        "created_at": stored.created_at,
        "created_by": stored.created_by,
        "comment": stored.comment,
    }


async def _unit_names(session: AsyncSession, codes: tuple[str, ...]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    return {key: value for key, value in rows.tuples()}


@cache
def _grid_locator() -> GridLocator:
    return GridLocator.from_county(load_county())
