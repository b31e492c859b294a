"""The keyed hashes a registered person is matched by, as intake computes them for callers.

The phone is reduced to its national digits (what intake stores: 13800138000, 057188881234)
before hashing with the deployment's shared ``phone_hash_key`` (the same secret intake uses for
``caller.phone_hash``); resident IDs are upper-cased. Only the hashes are kept for matching.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-()（）]")


def national_phone(raw: str) -> str:
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip())
    for prefix in ("+86", "0086"):
        text = text.removeprefix(prefix)
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not text.isdigit():
        raise ValueError("a phone number may contain only digits, spaces, dashes and +86")
    return text


def keyed_hash(value: str, key: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def phone_hash(raw: str | None, key: str) -> str | None:
    return keyed_hash(national_phone(raw), key) if raw else None


def resident_id_hash(raw: str | None, key: str) -> str | None:
    return keyed_hash(raw.strip().upper(), key) if raw else None
