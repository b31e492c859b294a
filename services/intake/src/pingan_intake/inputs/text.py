"""Free text from citizens and systems, made safe to store, search and show.

- NFC, so that one character typed two ways (composed or not) compares and hashes alike;
- full-width letters and digits narrowed (a Chinese IME types ３号楼) — only those: NFKC on the
  whole text would also turn the citizen's Chinese punctuation (，！？（）：) into ASCII;
- control characters (C0/C1 but newline and tab) and invisible format characters (zero-width
  spaces, bidirectional overrides such as U+202E that make text display backwards) removed;
- lone surrogates (possible through JSON escapes like "\\ud800") refused: they are no text
  PostgreSQL can store;
- trimmed. Length limits apply after cleaning, so "   " is too short, not an empty text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import BeforeValidator

_FULL_WIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
_KEEP_CONTROLS = frozenset("\n\t")
# The emoji joiner and variation selectors stay: removing them would split 👨‍👩‍👧 apart.
_KEEP_FORMAT = frozenset("\u200d\ufe0f")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str) -> str:
    if _SURROGATES.search(value):
        raise ValueError("the text contains an invalid character (a lone UTF-16 surrogate)")
    text = unicodedata.normalize("NFC", value)
    text = _FULL_WIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return "".join(ch for ch in text if _keep(ch)).strip()


def _keep(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch in _KEEP_CONTROLS
    if category == "Cf":
        return ch in _KEEP_FORMAT
    return True


def _clean_if_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_clean_if_text)]
"""A ``str`` field cleaned before its length limits apply."""
