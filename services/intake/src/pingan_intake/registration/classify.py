"""Registration, stage 3: what the ticket is about — the classifier's answer, or the
submitter's chosen subcategory when they gave one (an Open311 service, a web form's choice).

Safety first: a threat or a police matter the classifier finds in the text wins over any chosen
category, and an urgency either side sees is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pingan_common.events import CategoryGroup, Disposition, Urgency
from pingan_common.problems import UnprocessableEntity
from pingan_intake.classification import classifier
from pingan_intake.classification.taxonomy import Classification, classification_for_override
from pingan_intake.places.resolver import ResolvedPlace
from pingan_intake.registration.locate import Located
from pingan_intake.registration.schemas import TicketCreate
from pingan_intake.registration.validate import Submission, field_error


@dataclass(frozen=True)
class Classified:
    submission: Submission
    place: ResolvedPlace
    classification: Classification


def classify(located: Located) -> Classified:
    classification = _classification(located.submission.body)
    return Classified(located.submission, located.place, classification)


def _classification(body: TicketCreate) -> Classification:
    found = classifier.classify(body.description, channel=body.channel.value)
    if body.category_code is None:
        return found
    try:
        chosen = classification_for_override(body.category_code, None, ())
    except KeyError:
        raise UnprocessableEntity(
            f"no subcategory {body.category_code} in the taxonomy",
            [field_error("category_code", "unknown subcategory", "unknown")],
        ) from None
    if found.group is CategoryGroup.EXTREME_THREAT or Disposition.POLICE_TRANSFER in (
        found.dispositions
    ):
        return found
    urgent = Urgency.URGENT in (found.urgency, chosen.urgency)
    return replace(chosen, urgency=Urgency.URGENT if urgent else Urgency.NORMAL)
