"""What people read: every disposition has a Chinese name, and instants read in county time."""

from datetime import UTC, datetime

from pingan_common.county_time import county_minute
from pingan_common.events import Disposition


def test_every_disposition_has_a_chinese_label() -> None:
    assert {d.label for d in Disposition} == {"派单办理", "调解", "风险研判", "转110", "直接答复"}


def test_instants_read_as_county_minutes() -> None:
    assert county_minute(datetime(2026, 12, 9, 8, 22, 43, 327221, tzinfo=UTC)) == "2026-12-09 16:22"
