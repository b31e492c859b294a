"""The hand-written labelled tickets: compact batch files in ``data/hand/``, one ticket a line.

    <code> <channel>[ <flags>]|<text>

Flags are an urgency letter (``u`` urgent, ``n`` normal) and disposition letters in order
(``P`` police_transfer, ``T`` task, ``M`` mediation, ``R`` risk, ``A`` answer); what is left out
comes from the subcategory's defaults. ``scripts/generate_labelled_tickets.py`` compiles the
batches into ``data/labelled_tickets.jsonl`` (``source`` = ``hand:<batch>``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CHANNEL_LETTERS = {
    "h": "hotline_12345",
    "p": "police_110",
    "g": "grid_report",
    "w": "web",
    "t": "third_party",
    "o": "open311",
}
URGENCY_LETTERS = {"u": "urgent", "n": "normal"}
DISPOSITION_LETTERS = {
    "P": "police_transfer",
    "T": "task",
    "M": "mediation",
    "R": "risk",
    "A": "answer",
}


def parse_line(line: str, batch: str, defaults: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One batch line as a labelled row; ValueError names what is wrong with it."""
    head, sep, text = line.partition("|")
    text = text.strip()
    if not sep or not text:
        raise ValueError(f"{batch}: no text in {line!r}")
    code, channel, *rest = head.split()
    if code not in defaults:
        raise ValueError(f"{batch}: unknown code {code!r}")
    if channel not in CHANNEL_LETTERS or len(rest) > 1:
        raise ValueError(f"{batch}: bad channel or flags in {head!r}")
    flags = rest[0] if rest else ""
    urgency = defaults[code]["default_urgency"]
    if flags[:1] in URGENCY_LETTERS:
        urgency, flags = URGENCY_LETTERS[flags[0]], flags[1:]
    if any(letter not in DISPOSITION_LETTERS for letter in flags):
        raise ValueError(f"{batch}: bad dispositions {flags!r}")
    dispositions = [DISPOSITION_LETTERS[letter] for letter in flags] or list(
        defaults[code]["dispositions"]
    )
    return {
        "text": text,
        "channel": CHANNEL_LETTERS[channel],
        "code": code,
        "urgency": urgency,
        "dispositions": dispositions,
        "source": f"hand:{batch}",
    }


def parse_batch(
    lines: Iterable[str], batch: str, defaults: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    return [
        parse_line(line, batch, defaults)
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]
