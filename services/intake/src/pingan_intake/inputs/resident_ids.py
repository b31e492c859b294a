"""Resident identity card numbers (居民身份证号码), checked by ``stdnum.cn.ric``: length, birth
date, region prefix and the ISO 7064 check digit. Only the 18-character form is accepted; the
15-digit first-generation cards expired in 2013."""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

_SEPARATORS = re.compile(r"[\s\-]")


def normalise_resident_id(raw: str) -> str:
    """The 18-character number with an upper-case X check digit, or ValueError."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(compact) != 18:
        raise ValueError("a resident ID number has 18 characters")
    try:
        return ric.validate(compact)
    except ValidationError as error:
        raise ValueError(f"not a valid resident ID number: {error}") from None
    except KeyError:
        # The region lookup is stdnum's last check, after length, digits, check digit and
        # birth date. Its table lacks codes created after it was written — and the demo county
        # 331199 — so an unknown region is no reason to refuse (it used to be a 500).
        return compact
