"""What each procedure needs before a conclusion may be drawn, pure.

DOMAIN.md names the two procedures without their contents; what we require, after the
practice counties publish for 重大事项社会稳定风险评估:

* ``normal`` (一般程序, the default for 征地拆迁 and large projects): a public hearing (听证会)
  *and* at least one other consultation (座谈会, 征求意见 or 公示) of the people affected, and
  the scores of at least five experts drawn from the pool;
* ``simplified`` (简易程序, for matters with a small, clearly bounded effect): one
  consultation of any kind and the scores of at least three experts.

The conclusion's scores are the means of the drawn experts' scores per dimension.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

DIMENSIONS = ("legality", "reasonableness", "feasibility", "controllability")
DIMENSION_LABELS = {
    "legality": "合法性",
    "reasonableness": "合理性",
    "feasibility": "可行性",
    "controllability": "可控性",
}


@dataclass(frozen=True)
class Requirements:
    experts: int
    hearing: bool  # a 听证会 is required
    consultations: int  # records of any kind, the hearing included


REQUIREMENTS = {
    "normal": Requirements(experts=5, hearing=True, consultations=2),
    "simplified": Requirements(experts=3, hearing=False, consultations=1),
}


def missing(procedure: str, *, scored_experts: int, hearing_kinds: Sequence[str]) -> list[str]:
    """What the procedure still lacks before a conclusion; empty when it may conclude."""
    needs = REQUIREMENTS[procedure]
    lacking = []
    if needs.hearing and "hearing" not in hearing_kinds:
        lacking.append("a public hearing (听证会)")
    if len(hearing_kinds) < needs.consultations:
        lacking.append(f"{needs.consultations} consultation record(s) (have {len(hearing_kinds)})")
    if scored_experts < needs.experts:
        lacking.append(f"scores of {needs.experts} drawn experts (have {scored_experts})")
    return lacking


def mean_scores(per_expert: Iterable[dict[str, float]]) -> dict[str, float]:
    """The mean of each dimension over the experts' scores, to one decimal."""
    rows = list(per_expert)
    if not rows:
        return {}
    return {d: round(fmean(float(r[d]) for r in rows), 1) for d in DIMENSIONS}
