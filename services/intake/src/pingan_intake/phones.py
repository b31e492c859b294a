"""Chinese phone numbers as callers give them: spaces, dashes, +86, landlines with area codes."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_SHORT_SERVICE = re.compile(r"^(110|119|120|122|12345|12348|95\d{3})$")


def normalise_phone(raw: str) -> str:
    """Digits only (mobile: 11 digits; landline with its 0 area code), or ValueError."""
    # NFKC: full-width digits from a Chinese IME become ASCII ones.
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("a phone number may contain only digits, spaces, dashes and +86")
    if _MOBILE.match(digits) or _LANDLINE.match(digits) or _SHORT_SERVICE.match(digits):
        return digits
    raise ValueError("not a Chinese mobile (1xxxxxxxxxx) or landline (0xx-xxxxxxxx) number")
