"""The mediators in your area, with specialties and current load."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select

from pingan_common.auth import Principal, require
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_mediation.mediators.assignment import candidates_at
from pingan_mediation.models import Mediator

router = APIRouter(prefix="/v1", tags=["mediators"])
Staff = Annotated[Principal, Depends(require("mediator", "leader", "dispatcher", "admin"))]


class MediatorRead(BaseModel):
    id: str
    name: str
    unit_code: str
    area_code: str
    specialties: list[str]
    load: int


class MediatorList(BaseModel):
    items: list[MediatorRead]


@router.get(
    "/mediators",
    response_model=MediatorList,
    responses=problem_responses(401, 403),
    summary="Mediators of the bodies in your area, with specialties and open cases",
)
async def list_mediators(
    principal: Staff, runtime: RuntimeDep, unit_code: str | None = None
) -> MediatorList:
    async with runtime.transaction() as session:
        query = (
            select(Mediator.unit_code).where(within_area(Mediator.area_code, principal)).distinct()
        )
        if unit_code:
            query = query.where(Mediator.unit_code == unit_code)
        units = list(await session.scalars(query.order_by(Mediator.unit_code)))
        items = [
            MediatorRead(
                id=c.id,
                name=c.name,
                unit_code=c.unit_code,
                area_code=c.area_code,
                specialties=list(c.specialties),
                load=c.load,
            )
            for unit in units
            for c in await candidates_at(session, unit)
        ]
    return MediatorList(items=items)
