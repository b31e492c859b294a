"""Who a citizen is to notify's deliveries: the masked number people read, plus a piece of the
caller's keyed phone hash, so two citizens whose numbers share the first three and last four
digits (136****0119) are two recipients — for the one-per-recipient deduplication and for the
SMS rate limit — while no delivery row ever holds the number."""

from __future__ import annotations

HASH_DIGITS = 12


def citizen_recipient_id(phone_masked: str, phone_hash: str | None) -> str:
    """``136****0119#3f2a…`` (the hash part only when intake gave one)."""
    if not phone_hash:
        return phone_masked
    return f"{phone_masked}#{phone_hash[:HASH_DIGITS]}"
