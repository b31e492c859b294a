"""The ticket search form as intake's query (``GET /v1/tickets``), and back into links.

Dates are county days: 从 2026-12-01 到 2026-12-02 means from the start of the 1st up to the end
of the 2nd, county time. Paging follows intake's cursors forward; the first page is one click.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from pingan_common.county_time import start_of_county_day

TICKET_NUMBER = re.compile(r"^[A-Za-z]{2}\d{6,20}$")
PHONE_REASON = "工单查询：按来电号码查找来电人的工单"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class SearchForm:
    number: str = ""
    phone: str = ""
    status: str = ""
    group: str = ""
    code: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def of(cls, query: dict[str, Any]) -> SearchForm:
        values = {name: str(query.get(name) or "").strip() for name in cls.__dataclass_fields__}
        return cls(**values)

    @property
    def empty(self) -> bool:
        return not any(asdict(self).values())


class BadSearch(ValueError):
    """A field the search cannot use, in the form's words."""


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadSearch(f"{name}不是有效日期") from None


def intake_params(form: SearchForm, *, cursor: str = "", limit: int = PAGE_SIZE) -> dict[str, Any]:
    """The query parameters of intake's search; the number is looked up on its own."""
    params: dict[str, Any] = {
        "status": form.status,
        "group": form.group,
        "code": form.code,
        "limit": limit,
    }
    start, end = _day(form.date_from, "开始日期"), _day(form.date_to, "结束日期")
    if start and end and end < start:
        raise BadSearch("结束日期早于开始日期")
    if start:
        params["from"] = start_of_county_day(start).isoformat()
    if end:
        params["to"] = start_of_county_day(end + timedelta(days=1)).isoformat()
    if form.phone:
        params["caller_phone"] = form.phone
        params["reason"] = PHONE_REASON
    if cursor:
        params["cursor"] = cursor
    return {key: value for key, value in params.items() if value not in ("", None)}


def page_size(raw: str) -> int:
    """Rows a page: the default, or 1 to MAX_PAGE_SIZE when asked for."""
    try:
        wanted = int(raw)
    except ValueError:
        return PAGE_SIZE
    return min(max(wanted, 1), MAX_PAGE_SIZE)


def is_ticket_number(value: str) -> bool:
    return bool(TICKET_NUMBER.match(value))


def form_query(form: SearchForm, **extra: str) -> str:
    """The page's own query string for this search (for paging and the CSV link)."""
    values = {key: value for key, value in asdict(form).items() if value}
    values |= {key: value for key, value in extra.items() if value}
    return urlencode(values)
