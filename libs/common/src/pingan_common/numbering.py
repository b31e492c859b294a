"""Document numbers as counties write them: a prefix, the county day, a zero-padded sequence,
e.g. ticket ``QS20261123000123`` or mediation case ``TJ20261123000007``."""

from __future__ import annotations

from datetime import datetime

from pingan_common.county_time import county_date


def document_number(prefix: str, at: datetime, sequence: int, *, digits: int = 6) -> str:
    """``prefix`` + the county day of ``at`` (YYYYMMDD) + ``sequence`` padded to ``digits``."""
    return format_document_number(prefix, county_date(at).strftime("%Y%m%d"), sequence, digits)


def format_document_number(prefix: str, yyyymmdd: str, sequence: int, digits: int = 6) -> str:
    if sequence < 0:
        raise ValueError(f"a document sequence is never negative: {sequence}")
    return f"{prefix}{yyyymmdd}{sequence:0{digits}d}"
