"""REST for classification: classify a text without registering anything, an operator's
correction of a ticket (改类), and the corrections exported as training data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from pingan_common.auth import Principal, Role, require
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_intake.classification import overrides
from pingan_intake.classification.classifier import THREAT_REVIEW_NOTE, classify
from pingan_intake.classification.schemas import (
    AlternativeOut,
    ClassificationOut,
    ClassifyRequest,
    ReclassifyRequest,
)
from pingan_intake.classification.taxonomy import Classification
from pingan_intake.tickets.presentation import ticket_read
from pingan_intake.tickets.schemas import TicketRead, TicketRef
from pingan_intake.timeline.entries import timeline_of

# Tagged "tickets" too, as they were when these routes were served with the ticket routes.
router = APIRouter(prefix="/v1", tags=["tickets"])

Reader = Annotated[Principal, Depends(require(*Role, allow_api_key=True))]
Corrector = Annotated[Principal, Depends(require("operator", "dispatcher", "admin"))]
TrainingReader = Annotated[Principal, Depends(require("admin", "analyst"))]


@router.post(
    "/tickets/{ticket_ref}/reclassify",
    response_model=TicketRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Override the classifier: category, urgency, dispositions, with a reason",
)
async def reclassify_ticket(
    ticket_ref: TicketRef, body: ReclassifyRequest, principal: Corrector, runtime: RuntimeDep
) -> TicketRead:
    ticket = await overrides.reclassify(
        runtime, ticket_ref=ticket_ref, body=body, principal=principal
    )
    async with runtime.transaction() as session:
        timeline = await timeline_of(session, ticket.id)
    return ticket_read(ticket, timeline, clear=False)


@router.post(
    "/classify",
    response_model=ClassificationOut,
    responses=problem_responses(401, 403, 422),
    tags=["classification"],
    summary="Classify a text without registering anything",
)
async def classify_text(body: ClassifyRequest, _: Reader) -> ClassificationOut:
    channel = body.channel.value if body.channel else None
    return classification_out(classify(body.text, channel=channel))


def classification_out(result: Classification) -> ClassificationOut:
    return ClassificationOut(
        group=result.group.value,
        code=result.code,
        label=result.label,
        urgency=result.urgency,
        disposition=result.disposition,
        dispositions=list(result.dispositions),
        risk_level=result.risk_level,
        confidence=result.confidence,
        needs_review=result.needs_review,
        threat_review=result.threat_review,
        review_note=THREAT_REVIEW_NOTE if result.threat_review else None,
        alternatives=[
            AlternativeOut(group=a.group.value, code=a.code, label=a.label, confidence=a.confidence)
            for a in result.alternatives
        ],
    )


@router.get(
    "/classifier/overrides.jsonl",
    response_class=StreamingResponse,
    responses={
        **problem_responses(401, 403),
        200: {"content": {"application/x-ndjson": {}}, "description": "One example a line"},
    },
    tags=["classification"],
    summary="Operators' corrections as labelled training examples (JSON Lines)",
)
async def export_overrides(principal: TrainingReader, runtime: RuntimeDep) -> StreamingResponse:
    return StreamingResponse(
        overrides.export_lines(runtime, principal), media_type="application/x-ndjson"
    )
