"""Scoring an address parser on a set of labelled address variants (pure: no I/O).

Each variant gives the address and the expected part for every field (None where the address has
none). A field is scored on the variants that have it: right when the parser gives the expected
value, after folding spellings that name the same thing (a trailing 小区 on an estate, 村委 for
村). ``spurious`` counts parts the parser gave where the address has none. A variant is right
when every field is; its place key is right when estate, building and unit are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

FIELDS = ("township", "community", "road", "number", "estate", "building", "unit", "room")
KEY_FIELDS = ("estate", "building", "unit")
Parser = Callable[[str], Mapping[str, str | None]]


@dataclass
class FieldScore:
    right: int = 0
    present: int = 0
    spurious: int = 0

    @property
    def share(self) -> float | None:
        return self.right / self.present if self.present else None


@dataclass
class Score:
    variants: int = 0
    all_right: int = 0
    key_right: int = 0
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    misses: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)


def fold(name: str, value: str | None) -> str | None:
    """One spelling per thing: 翠湖名苑小区 = 翠湖名苑, 渡头村委 = 渡头村."""
    if not value:
        return None
    if name == "estate":
        return value.removesuffix("小区") or value
    if name == "community":
        for suffix in ("居委会", "村委会", "委会", "委"):
            if value.endswith(suffix) and len(value) > len(suffix) + 1:
                return value.removesuffix(suffix)
    return value


def score(variants: Iterable[Mapping[str, str | None]], parser: Parser) -> Score:
    result = Score()
    for variant in variants:
        address = variant["address"] or ""
        got = parser(address)
        result.variants += 1
        row_right = key_right = True
        for name in FIELDS:
            expected, found = fold(name, variant.get(name)), fold(name, got.get(name))
            counts = result.fields[name]
            if expected is None:
                if found is not None:
                    counts.spurious += 1
                    row_right = False
                    key_right = key_right and name not in KEY_FIELDS
                continue
            counts.present += 1
            if found == expected:
                counts.right += 1
            else:
                row_right = False
                key_right = key_right and name not in KEY_FIELDS
                result.misses.append((address, name, expected, found))
        result.all_right += row_right
        result.key_right += key_right
    return result
