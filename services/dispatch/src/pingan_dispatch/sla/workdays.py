"""Dispatch's working-day calendar is the shared one (``pingan_common.workdays``); this module
keeps the names dispatch's SLA code imports."""

from pingan_common.workdays import (
    OVERRIDES_FILE,
    WORKING_DAY,
    CalendarData,
    DayOverride,
    WorkingCalendar,
    default_calendar,
    load_calendar_data,
    parse_calendar_data,
    to_county_time,
)

__all__ = [
    "OVERRIDES_FILE",
    "WORKING_DAY",
    "CalendarData",
    "DayOverride",
    "WorkingCalendar",
    "default_calendar",
    "load_calendar_data",
    "parse_calendar_data",
    "to_county_time",
]
