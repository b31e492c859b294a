"""The county's KPIs (三率) and the township ranking, for the demo county's seeded history; then
the mediation measures (调处成功率 …) over the demo mediation history of the same quarter.

Deterministic: the same seed and period print the same figures, every time.

    .venv/bin/python scripts/kpi_report.py                              # townships, Aug–Oct 2026
    .venv/bin/python scripts/kpi_report.py --by unit --period 2026-10-01..2026-10-31
    .venv/bin/python scripts/kpi_report.py --csv > kpis.csv
"""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date

from pingan_common.refdata import load_county
from pingan_dispatch.demo.history import DEFAULT_SEED, FIRST_DAY, LAST_DAY, generate_history
from pingan_dispatch.kpis.measures import (
    DEFAULT_YELLOW_CARD_RULE,
    RATE_LABELS,
    RATE_NAMES,
    KpiRow,
    RankedRow,
    compute_kpis,
    county_period,
    kpi_csv,
    rank_townships,
    ranking_csv,
)
from pingan_mediation.demo.history import generate_history as generate_mediation_history
from pingan_mediation.measures.figures import CSV_COLUMNS as MEDIATION_CSV_COLUMNS
from pingan_mediation.measures.figures import measures as mediation_measures


def main() -> None:
    args = _arguments()
    first_day, last_day = _period(args.period)
    history = generate_history(seed=args.seed)
    facts = history.facts()
    start, end = county_period(first_day, last_day)
    rows = compute_kpis(facts, start, end, group_by=args.by)
    township_rows = rows if args.by == "township" else compute_kpis(facts, start, end, "township")
    ranked = rank_townships(township_rows, DEFAULT_YELLOW_CARD_RULE)
    mediation = generate_mediation_history(seed=args.seed)
    mediation_facts = mediation.facts(first_day, last_day)
    mediation_rows = mediation_measures(mediation_facts, MEDIATION_GROUPS[args.by])
    if args.csv:
        print(kpi_csv(rows), end="")
        print()
        print(ranking_csv(ranked), end="")
        print()
        print(_mediation_csv(mediation_rows), end="")
        return
    print(
        f"青山县 demo history: seed {history.seed}, {len(history.tasks)} tasks, "
        f"{len(facts)} assignments, as of {history.as_of.isoformat()}"
    )
    print(f"period {first_day} .. {last_day} (assigned in it), by {args.by}")
    print()
    print(_kpi_table(rows))
    print()
    print(_ranking_table(ranked))
    print()
    print(
        f"矛盾纠纷调解 demo history: seed {mediation.seed}, {len(mediation.cases)} cases, "
        f"{len(mediation_facts)} registered in the period, as of {mediation.as_of.isoformat()}"
    )
    print(_mediation_table(mediation_rows))
    (county,) = mediation_measures(mediation_facts, "county")
    for name, counts in (
        ("by kind", "by_kind"),
        ("by level", "by_level"),
        ("by source", "by_source"),
    ):
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in county[counts].items()))  # type: ignore[attr-defined]


# --by unit shows mediation per committee (村调委会, 乡镇调处中心, 县矛调中心).
MEDIATION_GROUPS = {"unit": "committee", "township": "township", "county": "county"}
MEDIATION_HEADER = {
    "cases": "案件",
    "success_rate": "调处成功率",
    "village_share": "村级化解占比",
    "avg_days_to_agreement": "平均调结(天)",
    "terms_on_time_rate": "按期履行率",
    "referrals": "引导诉讼/仲裁/裁决",
    "risk_signals": "民转刑信号",
    "satisfaction_rate": "满意率",
}


def _mediation_table(rows: list[dict[str, object]]) -> str:
    lines = [["key", "name", *MEDIATION_HEADER.values()]]
    for row in rows:
        line = [str(row["key"]), _name(str(row["key"]))]
        for column in MEDIATION_HEADER:
            value = row[column]
            if column == "success_rate":
                line.append(f"{_percent(value)} ({row['agreements']}/{row['concluded']})")
            elif column.endswith("_rate") or column == "village_share":
                line.append(_percent(value))
            else:
                line.append("—" if value is None else str(value))
        lines.append(line)
    return _table(lines)


def _mediation_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MEDIATION_CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--period",
        default=f"{FIRST_DAY}..{LAST_DAY}",
        help="first..last day, both included (county time)",
    )
    parser.add_argument("--by", choices=("unit", "township", "county"), default="township")
    parser.add_argument("--csv", action="store_true", help="CSV instead of tables")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser.parse_args()


def _period(text: str) -> tuple[date, date]:
    first, separator, last = text.partition("..")
    if not separator:
        raise SystemExit("--period must look like 2026-08-01..2026-10-31")
    return date.fromisoformat(first), date.fromisoformat(last)


def _name(key: str) -> str:
    county = load_county()
    unit = county.unit(key)
    if unit is not None:
        return unit.name
    area = county.area(key)
    return area.name if area is not None else key


def _percent(value: object) -> str:
    return "—" if value is None else f"{float(value) * 100:6.2f}%"  # type: ignore[arg-type]


def _kpi_table(rows: list[KpiRow]) -> str:
    header = ["key", "name", "派单", *(RATE_LABELS[n] for n in RATE_NAMES), "平均办理(h)"]
    lines = [header]
    for row in rows:
        line = [row.key, _name(row.key), str(row.assigned)]
        for name in RATE_NAMES:
            rate = row.rates[name]
            line.append(f"{_percent(rate.value)} ({rate.numerator}/{rate.denominator})")
        line.append("—" if row.avg_handling_hours is None else str(row.avg_handling_hours))
        lines.append(line)
    return _table(lines)


def _ranking_table(ranked: list[RankedRow]) -> str:
    lines = [["名次", "key", "name", "score", "黄牌", "why"]]
    for item in ranked:
        lines.append(
            [
                "—" if item.rank is None else str(item.rank),
                item.row.key,
                _name(item.row.key),
                "—" if item.score is None else str(item.score),
                "黄牌" if item.yellow_card else "",
                "; ".join(item.reasons),
            ]
        )
    return _table(lines)


def _table(lines: list[list[str]]) -> str:
    widths = [max(_width(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join(_padded(line, widths) for line in lines)


def _padded(line: list[str], widths: list[int]) -> str:
    cells = (cell + " " * (width - _width(cell)) for cell, width in zip(line, widths, strict=True))
    return "  ".join(cells).rstrip()


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


if __name__ == "__main__":
    main()
