"""Times as the county reads them: the services answer ISO 8601 instants, pages show county time."""

from __future__ import annotations

from datetime import datetime, timedelta

from pingan_common.county_time import COUNTY_TZ


def parse_instant(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def county_text(value: str | datetime | None, *, with_year: bool = False) -> str:
    """``11-23 14:05`` (or ``2026-11-23 14:05``) in county time; empty for no time."""
    instant = parse_instant(value)
    if instant is None:
        return ""
    pattern = "%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M"
    return instant.astimezone(COUNTY_TZ).strftime(pattern)


def remaining_text(due: str | datetime | None, now: datetime) -> str:
    """How long until the deadline, or how long past it: ``剩余 3小时``, ``超期 2天``."""
    instant = parse_instant(due)
    if instant is None:
        return ""
    delta = instant - now
    words = _span(abs(delta))
    return f"剩余 {words}" if delta >= timedelta(0) else f"超期 {words}"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}分钟"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}小时"
    return f"{hours // 24}天"


def county_input_value(value: str | datetime | None) -> str:
    """The value of an ``<input type=datetime-local>`` for this instant, in county time."""
    instant = parse_instant(value)
    if instant is None:
        return ""
    return instant.astimezone(COUNTY_TZ).strftime("%Y-%m-%dT%H:%M")


def from_county_input(text: str) -> datetime:
    """A ``datetime-local`` value read as county wall-clock time (ValueError when malformed)."""
    local = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    return local.replace(tzinfo=COUNTY_TZ)
