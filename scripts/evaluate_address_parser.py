"""Intake's address parser, and jionlp's when it is installed, on the labelled address variants.

    uv run --frozen python scripts/evaluate_address_parser.py
    uv run --frozen --with jionlp python scripts/evaluate_address_parser.py --jionlp

The variants are services/intake/tests/data/address_variants.jsonl (estates the county knows and
ones it does not, spoken forms, villages, roads, and addresses of real Zhejiang townships, where
jionlp's own division data can show what it knows). jionlp's ``parse_location(…,
town_village=True)`` gives province, city, county, town and village: its town is scored as the
township and its village as the community; it has no road, estate, building, unit or room.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

from pingan_common.refdata import load_county
from pingan_intake.places.address import EMPTY_LEXICON, AddressLexicon, parse_address
from pingan_intake.places.evaluation import FIELDS, Parser, Score, score
from pingan_intake.places.gazetteer import address_lexicon

VARIANTS = Path(__file__).resolve().parents[1] / "services/intake/tests/data/address_variants.jsonl"


def load_variants(path: Path = VARIANTS) -> list[dict[str, str | None]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def ours(lexicon: AddressLexicon) -> Parser:
    def parse(address: str) -> Mapping[str, str | None]:
        return vars(parse_address(address, lexicon))

    return parse


def jionlp_parser() -> Parser:
    import jionlp  # type: ignore[import-not-found]

    def parse(address: str) -> Mapping[str, str | None]:
        found = jionlp.parse_location(address, town_village=True)
        return {"township": found.get("town"), "community": found.get("village")}

    return parse


def _share(right: int, present: int) -> str:
    return f"{right}/{present} ({right / present:.0%})" if present else "—"


def table(scores: dict[str, Score]) -> str:
    names = list(scores)
    lines = ["| part | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for name in FIELDS:
        cells = []
        for s in scores.values():
            f = s.fields[name]
            extra = f", {f.spurious} spurious" if f.spurious else ""
            cells.append(_share(f.right, f.present) + extra)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    first = next(iter(scores.values()))
    lines.append(
        "| place key (estate+building+unit) | "
        + " | ".join(_share(s.key_right, s.variants) for s in scores.values())
        + " |"
    )
    lines.append(
        "| every part right | "
        + " | ".join(_share(s.all_right, s.variants) for s in scores.values())
        + " |"
    )
    return "\n".join([f"{first.variants} variants", "", *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jionlp", action="store_true", help="also score jionlp (installed)")
    parser.add_argument("--misses", action="store_true", help="list what each parser missed")
    args = parser.parse_args()
    variants = load_variants()
    parsers = {
        "ours, with the county's names": ours(address_lexicon(load_county())),
        "ours, no names (generic)": ours(EMPTY_LEXICON),
    }
    if args.jionlp:
        parsers["jionlp 1.5 parse_location"] = jionlp_parser()
    scores = {name: score(variants, parse) for name, parse in parsers.items()}
    print("All variants:", table(scores))
    later = [v for v in variants if v.get("source") == "written_after"]
    print("\nOnly those written after the parser was frozen (not tuned on):", end=" ")
    print(table({name: score(later, parse) for name, parse in parsers.items()}))
    if args.misses:
        for name, s in scores.items():
            print(f"\n{name}:")
            for address, part, expected, found in s.misses:
                print(f"  {address}  {part}: expected {expected!r}, got {found!r}")


if __name__ == "__main__":
    main()
