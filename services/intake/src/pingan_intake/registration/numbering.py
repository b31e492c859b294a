"""Human ticket numbers: prefix + county date + six digits, e.g. QS20261123000123.

The digits come from a PostgreSQL sequence rather than a per-day counter row: a counter row
would be locked by every registering transaction until it commits, so registrations would
queue behind each other's disk flushes. The sequence is not transactional and never blocks;
numbers still increase through the day but do not restart at 000001 every midnight, and a
rolled-back registration leaves a gap. It cycles after 999999, which at county volumes (a few
hundred tickets a day) is years away, and the date part keeps numbers unique across the wrap.
"""

from __future__ import annotations

from datetime import datetime

from pingan_common.numbering import document_number

# As many as the sequence has (``models.ticket_number_sequence`` cycles after 999999).
SEQUENCE_DIGITS = 6


def ticket_number(prefix: str, registered_at: datetime, sequence: int) -> str:
    """From a sequence value already fetched (the duplicates gate fetches it with its lock)."""
    return document_number(prefix, registered_at, sequence, digits=SEQUENCE_DIGITS)
