"""The hand-written batches and the compiled labelled set agree, and the batch format is strict."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from pingan_intake.classification.handwritten import parse_batch, parse_line
from pingan_intake.classification.taxonomy import all_subcategories

DEFAULTS = {
    sub.code: {
        "default_urgency": sub.default_urgency.value,
        "dispositions": [d.value for d in sub.dispositions],
    }
    for sub in all_subcategories()
}
DATA = files("pingan_intake").joinpath("data")


def test_the_compiled_set_is_exactly_the_hand_written_batches():
    # Regenerate with scripts/generate_labelled_tickets.py when this fails.
    compiled = [
        json.loads(line)
        for line in DATA.joinpath("labelled_tickets.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    batches = sorted(
        (entry for entry in DATA.joinpath("hand").iterdir() if entry.name.endswith(".txt")),
        key=lambda entry: entry.name,
    )
    written = [
        row
        for entry in batches
        for row in parse_batch(
            entry.read_text(encoding="utf-8").splitlines(), entry.name[:-4], DEFAULTS
        )
    ]

    assert compiled == written


def test_a_line_takes_the_subcategory_defaults_unless_it_says_otherwise():
    plain = parse_line("fight p|两伙人在夜市打起来了", "b00", DEFAULTS)
    past = parse_line("fight h nT|上周在饭店被人打了一拳", "b00", DEFAULTS)

    assert plain["dispositions"] == ["police_transfer", "task"]
    assert plain["urgency"] == "urgent"
    assert plain["channel"] == "police_110"
    assert (past["urgency"], past["dispositions"]) == ("normal", ["task"])
    assert past["source"] == "hand:b00"


@pytest.mark.parametrize(
    "line",
    ["nosuchcode h|文本", "fight x|文本", "fight h|", "fight h nX|文本", "fight h n T|文本"],
)
def test_a_malformed_line_fails_loudly(line: str):
    with pytest.raises(ValueError):
        parse_line(line, "b00", DEFAULTS)
