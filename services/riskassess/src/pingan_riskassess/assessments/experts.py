"""The expert pool's rules, pure: who has a conflict of interest in a matter, and the draw.

A conflict bars an expert from a matter when they declared one on it, when their organisation
is one of the matter's parties, or when anything they have an interest in (an employer, a
company they hold shares in, a relative's village …) is one of the parties. Names are compared
after trimming spaces, so "县住建局 " and "县住建局" are the same party.

The draw is random but reproducible: the eligible experts sorted by id, shuffled by a PRNG
seeded with the recorded seed. Anyone can replay a draw from the seed and the pool as it was
(the history keeps both), which is what makes it auditable.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Candidate:
    expert_id: int
    organisation: str
    interests: tuple[str, ...]
    conflict_assessment_ids: tuple[UUID, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class Draw:
    drawn: list[int]
    excluded: list[int]  # conflicted (never drawn)
    eligible: list[int]  # the pool the draw chose from, in id order


def _norm(names: Iterable[str]) -> set[str]:
    return {name.strip() for name in names if name.strip()}


def conflict(candidate: Candidate, assessment_id: UUID, parties: Sequence[str]) -> str | None:
    """Why the expert may not assess this matter, or None."""
    if assessment_id in candidate.conflict_assessment_ids:
        return "declared a conflict on this matter"
    stakes = _norm(parties)
    if candidate.organisation.strip() in stakes:
        return "works for a party to the matter"
    shared = _norm(candidate.interests) & stakes
    if shared:
        return f"has an interest in {sorted(shared)[0]}"
    return None


def draw(
    pool: Sequence[Candidate],
    *,
    assessment_id: UUID,
    parties: Sequence[str],
    count: int,
    seed: str,
    already_drawn: Iterable[int] = (),
) -> Draw:
    """Draw ``count`` experts (fewer if the eligible pool is smaller) with ``seed``."""
    taken = set(already_drawn)
    excluded: list[int] = []
    eligible: list[int] = []
    for candidate in sorted(pool, key=lambda c: c.expert_id):
        if not candidate.active or candidate.expert_id in taken:
            continue
        if conflict(candidate, assessment_id, parties) is not None:
            excluded.append(candidate.expert_id)
        else:
            eligible.append(candidate.expert_id)
    shuffled = list(eligible)
    random.Random(seed).shuffle(shuffled)  # a draw, not a secret
    return Draw(drawn=shuffled[:count], excluded=excluded, eligible=eligible)
