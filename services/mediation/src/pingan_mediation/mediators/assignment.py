"""Choosing a case's mediator: by area (the mediators of the body holding the case), dispute
kind (a specialist first) and load (fewest open cases), or staff's explicit choice (override),
which must be an active mediator whose area covers the case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.lifecycle import ActionInvalid
from pingan_mediation.models import Case, Mediator

LOAD_STATES = ("mediating", "agreed", "failed")


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    unit_code: str
    area_code: str
    specialties: tuple[str, ...]
    load: int


@dataclass(frozen=True)
class Choice:
    mediator: Candidate
    reason: str
    chosen_by: str  # rules or staff


def choose(candidates: list[Candidate], kind: str | None) -> Choice | None:
    """Pure: a specialist in the kind first, then the lightest load, then the id (stable)."""
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (kind not in c.specialties, c.load, c.id))
    why = "擅长该类纠纷" if kind in best.specialties else "无该类纠纷专长调解员"
    return Choice(best, f"{why}，在办案件 {best.load} 件（按属地、纠纷类型、工作量选择）", "rules")


async def candidates_at(session: AsyncSession, unit_code: str) -> list[Candidate]:
    load = (
        select(func.count())
        .where(Case.mediator_id == Mediator.id, Case.state.in_(LOAD_STATES))
        .correlate(Mediator)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Mediator, load).where(Mediator.unit_code == unit_code, Mediator.active)
    )
    return [_candidate(mediator, count) for mediator, count in rows]


async def candidate(session: AsyncSession, mediator_id: str) -> Candidate | None:
    mediator = await session.get(Mediator, mediator_id)
    if mediator is None or not mediator.active:
        return None
    count = await session.scalar(
        select(func.count()).where(Case.mediator_id == mediator_id, Case.state.in_(LOAD_STATES))
    )
    return _candidate(mediator, count or 0)


def _candidate(mediator: Mediator, load: int) -> Candidate:
    return Candidate(
        mediator.id,
        mediator.name,
        mediator.unit_code,
        mediator.area_code,
        tuple(mediator.specialties),
        int(load),
    )


async def choose_for(
    session: AsyncSession, case: Case, mediator_id: str | None, reason: str | None
) -> Choice:
    if mediator_id is None:
        choice = choose(await candidates_at(session, case.committee_code), case.dispute_type)
        if choice is None:
            raise ActionInvalid(
                f"no active mediator at {case.committee_name}; name one (mediator_id)",
                field="body.mediator_id",
            )
        return choice
    chosen = await candidate(session, mediator_id)
    if chosen is None:
        raise ActionInvalid(f"no active mediator {mediator_id}", field="body.mediator_id")
    if chosen.unit_code != case.committee_code and not case.area_code.startswith(chosen.area_code):
        raise ActionInvalid(
            f"mediator {mediator_id} works outside the case's area", field="body.mediator_id"
        )
    return Choice(chosen, reason or "由调处中心指定", "staff")
