"""Masking of personal data (PIPL) for roles that don't need the full value.

Every function passes None through, so optional fields can be masked without checks (typed by
overloads: a str gives a str, an optional str an optional str). Unknown formats are masked harder
rather than shown: better too little than a leaked number.
"""

import re
from typing import overload

_MOBILE = re.compile(r"^(\+?86[- ]?)?(1\d{2})[- ]?(\d{4})[- ]?(\d{4})$")
# Area codes: 010 and 02x have three digits, every other starts 0[3-9] and has four.
_LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))([- ]?)(\d{3,4})(\d{4})$")
_LOCAL_NUMBER = re.compile(r"^(\d{3,4})(\d{4})$")


@overload
def mask_phone(value: str) -> str: ...
@overload
def mask_phone(value: str | None) -> str | None: ...
def mask_phone(value: str | None) -> str | None:
    """138****1234; landlines keep the area code and the last four: 0571-****4321."""
    if value is None:
        return None
    phone = value.strip()
    if match := _MOBILE.match(phone):
        country, head, _, tail = match.groups()
        return f"{country or ''}{head}****{tail}"
    if match := _LANDLINE.match(phone):
        area, separator, middle, tail = match.groups()
        return f"{area}{separator}{'*' * len(middle)}{tail}"
    if match := _LOCAL_NUMBER.match(phone):
        middle, tail = match.groups()
        return "*" * len(middle) + tail
    return _keep_last_four(phone)


@overload
def mask_id_number(value: str) -> str: ...
@overload
def mask_id_number(value: str | None) -> str | None: ...
def mask_id_number(value: str | None) -> str | None:
    """110***********1234: first three and last four kept (resident ID cards, 15 or 18 chars)."""
    if value is None:
        return None
    id_number = value.strip()
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


@overload
def mask_name(value: str) -> str: ...
@overload
def mask_name(value: str | None) -> str | None: ...
def mask_name(value: str | None) -> str | None:
    """张** : the first character (usually the surname) kept, one star per other character."""
    if value is None:
        return None
    name = value.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def _keep_last_four(text: str) -> str:
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


# Numbers typed into free text: a resident ID (18 characters, the last may be X; or the old 15
# digits), a mobile number, a landline with its area code. Digits around them must not be
# digits (a 20-digit bank account is not an ID number).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0(?:10|2\d|[3-9]\d{2})-?\d{7,8}(?!\d)")


@overload
def mask_contacts_in_text(value: str) -> str: ...
@overload
def mask_contacts_in_text(value: str | None) -> str | None: ...
def mask_contacts_in_text(value: str | None) -> str | None:
    """A description with the phone and ID numbers a caller typed or said masked in place:
    "打我电话13812345678" → "打我电话138****5678"."""
    if value is None:
        return None
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), value)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
