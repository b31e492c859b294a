"""Opaque keyset cursors: ``?cursor=…&limit=…`` on every list route."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pingan_common.problems import ProblemError

T = TypeVar("T")

DEFAULT_LIMIT = 50
# The id of a row with an identity (bigint) key in a path: past bigint is a 422, not a database
# error (a 500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_LIMIT = 500

# A list route's ``limit`` parameter: ``limit: PageLimit = DEFAULT_LIMIT``.
PageLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= to get the next page; null on the last page"
    )


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError) as error:
        raise _bad_cursor() from error
    if not isinstance(position, dict):
        raise _bad_cursor()
    return position


_BIGINT = range(-(2**63), 2**63)


def cursor_field(position: dict[str, Any], key: str, parse: Any) -> Any:
    """One value out of a decoded cursor, parsed; a tampered cursor is a 400, not a 500.

    Cursors this API issues hold strings and integers only; anything else (a float such as
    ``1e30``, a nested array, a NUL character, an integer past PostgreSQL's bigint) was made
    by hand and would otherwise reach the database or the parser as something it cannot take.
    """
    value = position.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _bad_cursor()
    if isinstance(value, str) and "\x00" in value:
        raise _bad_cursor()
    try:
        parsed = parse(value)
    except (TypeError, ValueError, AttributeError, OverflowError) as error:
        raise _bad_cursor() from error
    if isinstance(parsed, int) and not isinstance(parsed, bool) and parsed not in _BIGINT:
        raise _bad_cursor()
    return parsed


def _bad_cursor() -> ProblemError:
    return ProblemError(400, "Bad cursor", "the cursor is not one this API issued")


def where_given(query: Select[Any], equal: Mapping[Any, object | None]) -> Select[Any]:
    """Equality filters from a list route's query parameters; one left out (None) is no filter."""
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    return query


async def fetch_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    id_column: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int,
    item: Callable[[Any], T],
    cursor_key: str = "id",
    parse: Callable[[Any], Any] = UUID,
) -> Page[T]:
    """Keyset page over a unique column: by default a UUIDv7 id (ids sort by creation time)."""
    position = decode_cursor(cursor)
    if position:
        query = query.where(id_column > cursor_field(position, cursor_key, parse))
    rows = list(await session.scalars(query.order_by(id_column).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor({cursor_key: str(getattr(rows[limit - 1], id_column.key))})
    return Page(items=[item(row) for row in rows[:limit]], next_cursor=next_cursor)
