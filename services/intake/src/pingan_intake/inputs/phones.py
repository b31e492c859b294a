"""Chinese phone numbers as callers give them: spaces, dashes, +86/0086, landlines with or
without their trunk 0 ("+86 571 8888 1234" is the landline 0571-88881234).

Validity comes from ``phonenumbers`` (Google's libphonenumber metadata: mobile ranges, area-code
lengths), so "12800138000" or a landline one digit short are refused with a clear message. The
stored form is the national one without separators (13800138000, 057188881234): what an operator
dials and what the masking and the caller hash expect.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

_SEPARATORS = re.compile(r"[\s\-()（）]")
# Service numbers a caller may give as "their" number (a call transferred from 110 or 12345);
# other short numbers (10086 …) are not a way to call anyone back.
_SHORT_SERVICE = re.compile(r"^(110|119|120|122|12345|12348|95\d{3})$")
_CHINA = 86


def normalise_phone(raw: str) -> str:
    """National digits (mobile: 11; landline: with its 0 area code), or ValueError."""
    compact = _compact(raw)
    if _SHORT_SERVICE.match(compact):
        return compact
    number = _parse(compact)
    if number.country_code != _CHINA:
        raise ValueError("only Chinese (+86) phone numbers are accepted")
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a Chinese mobile (1xxxxxxxxxx) or landline (0xx-xxxxxxxx) number")
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL).replace(" ", "")


def to_e164(phone: str) -> str:
    """+8613800138000 for a stored phone; service short numbers stay as they are."""
    if _SHORT_SERVICE.match(phone):
        return phone
    return phonenumbers.format_number(_parse(phone), PhoneNumberFormat.E164)


def _compact(raw: str) -> str:
    # NFKC: full-width digits from a Chinese IME become ASCII ones.
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip())
    if text.startswith("0086"):
        text = "+86" + text[4:]
    digits = text.removeprefix("+")
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise ValueError("a phone number may contain only digits, spaces, dashes and +86")
    return text


def _parse(compact: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(compact, "CN")
    except NumberParseException as error:
        raise ValueError(f"not a phone number: {error.args[0] if error.args else error}") from None
