"""Registration, stage 4: the duplicates gate — is this call a repeat by the same caller
(重复来电), or one more caller on a matter already open (并单)? Decided here under the matter's
lock (``duplicates.gate.judge``); written with the ticket in stage 5."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_intake.classification.taxonomy import Classification
from pingan_intake.duplicates import gate
from pingan_intake.duplicates.rules import DuplicateRules, Matter
from pingan_intake.places.resolver import ResolvedPlace
from pingan_intake.registration.classify import Classified
from pingan_intake.registration.validate import Submission


@dataclass(frozen=True)
class Screened:
    submission: Submission
    place: ResolvedPlace
    classification: Classification
    verdict: gate.Verdict


async def duplicates_gate(
    session: AsyncSession, classified: Classified, rules: DuplicateRules
) -> Screened:
    verdict = await gate.judge(session, _matter(classified), rules)
    return Screened(classified.submission, classified.place, classified.classification, verdict)


def _matter(classified: Classified) -> Matter:
    """The new call as the rules compare it with earlier tickets."""
    submission, place, found = classified.submission, classified.place, classified.classification
    body = submission.body
    return Matter(
        id=submission.ticket_id,
        description=body.description,
        category_group=found.group.value,
        category_code=found.code,
        dispositions=tuple(d.value for d in found.dispositions),
        caller_phone=body.caller.phone,
        grid_code=place.grid_code,
        township_code=place.township_code,
        address=body.location.address,
        place_key=place.key.text if place.key else None,
        lon=body.location.lon,
        lat=body.location.lat,
        registered_at=submission.received_at,
    )
