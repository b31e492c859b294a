"""Area scope as a query filter: a township user sees only rows under its township's code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from pingan_common.auth import Principal
from pingan_common.pagination import Page, fetch_page, where_given
from pingan_common.runtime import Runtime

T = TypeVar("T")


def within_area(column: InstrumentedAttribute[str], principal: Principal) -> ColumnElement[bool]:
    prefixes = principal.area_prefixes
    if not prefixes:
        return false()
    return or_(*(column.startswith(prefix, autoescape=True) for prefix in prefixes))


async def scoped_page(
    runtime: Runtime,
    model: Any,
    *,
    principal: Principal,
    filters: Mapping[str, object | None],
    cursor: str | None,
    limit: int,
    item: Callable[[Any], T],
    visible: ColumnElement[bool] | None = None,
) -> Page[T]:
    """A keyset page of ``model`` rows the principal may see, with equality filters by column."""
    query = select(model).where(
        visible if visible is not None else within_area(model.area_code, principal)
    )
    query = where_given(query, {getattr(model, name): value for name, value in filters.items()})
    async with runtime.transaction() as session:
        return await fetch_page(
            session, query, id_column=model.id, cursor=cursor, limit=limit, item=item
        )
