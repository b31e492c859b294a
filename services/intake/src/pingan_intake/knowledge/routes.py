"""REST for the knowledge base operators answer from: a search, and one entry by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from pingan_common.auth import Principal, Role, require
from pingan_common.problems import NotFound, problem_responses
from pingan_intake.inputs.text import CleanText
from pingan_intake.knowledge.base import KnowledgeEntry, default_knowledge_base
from pingan_intake.knowledge.schemas import KnowledgeEntryRead, KnowledgeHit, KnowledgeSearchResult

router = APIRouter(prefix="/v1")

StaffReader = Annotated[Principal, Depends(require(*Role))]


@router.get(
    "/knowledge",
    response_model=KnowledgeSearchResult,
    responses=problem_responses(401, 403, 422),
    tags=["knowledge"],
    summary="Search the knowledge base (policy and service-guide answers), best match first",
)
async def search_knowledge(
    principal: StaffReader,
    q: Annotated[CleanText, Query(min_length=1, max_length=200, examples=["医保怎么交"])],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> KnowledgeSearchResult:
    hits = default_knowledge_base().search(q, limit=limit)
    return KnowledgeSearchResult(
        query=q,
        items=[
            KnowledgeHit(
                id=hit.entry.id,
                title=hit.entry.title,
                department=hit.entry.department,
                updated=hit.entry.updated,
                score=hit.score,
                snippet=hit.snippet,
            )
            for hit in hits
        ],
    )


@router.get(
    "/knowledge/{entry_id}",
    response_model=KnowledgeEntryRead,
    responses=problem_responses(401, 403, 404),
    tags=["knowledge"],
    summary="One knowledge base entry",
)
async def get_knowledge_entry(entry_id: str, principal: StaffReader) -> KnowledgeEntryRead:
    entry = default_knowledge_base().get(entry_id)
    if entry is None:
        raise NotFound("knowledge base entry", entry_id)
    return _entry_read(entry)


def _entry_read(entry: KnowledgeEntry) -> KnowledgeEntryRead:
    return KnowledgeEntryRead(
        id=entry.id,
        title=entry.title,
        keywords=list(entry.keywords),
        answer=entry.answer,
        department=entry.department,
        updated=entry.updated,
    )
