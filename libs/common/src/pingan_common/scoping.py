"""Area scope as a query filter: a township user sees only rows under its township's code."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import InstrumentedAttribute

from pingan_common.auth import Principal


def within_area(column: InstrumentedAttribute[str], principal: Principal) -> ColumnElement[bool]:
    prefixes = principal.area_prefixes
    if not prefixes:
        return false()
    return or_(*(column.startswith(prefix, autoescape=True) for prefix in prefixes))
