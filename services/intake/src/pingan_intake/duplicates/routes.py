"""REST for what follows registration: merge and split (并单/拆单), retraction (撤单), supplements
(补充), direct answers (直接答复) and the knowledge base operators answer from.

Each ticket action is one transaction: state change, timeline entry and events (outbox)
together. ``Idempotency-Key`` makes a retried action answer with the ticket's state instead of
acting twice (a different body under the same key is a 422). Wrong state is a 409 problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, Role, ensure_area, require
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_intake.amendments import answers as amendments
from pingan_intake.duplicates import gate as merges
from pingan_intake.inputs.text import CleanText
from pingan_intake.knowledge.base import KnowledgeEntry, default_knowledge_base
from pingan_intake.models import Ticket, TicketActionKey
from pingan_intake.registration.pipeline import find_ticket, idempotency_key_reused, timeline_of
from pingan_intake.tickets.presentation import timeline_out
from pingan_intake.tickets.schemas import MAX_ATTACHMENTS, AttachmentIn, TimelineEntryOut

router = APIRouter(prefix="/v1")

Actor = Annotated[Principal, Depends(require("operator", "dispatcher", "admin"))]
StaffReader = Annotated[Principal, Depends(require(*Role))]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key answers with the ticket instead of acting twice",
    ),
]
ACTION_ERRORS = problem_responses(401, 403, 404, 409, 422)
Reason = Annotated[CleanText, Field(min_length=2, max_length=500)]


# --- bodies and answers -------------------------------------------------------------------------


class MergeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"master": "QS20261123000123", "reason": "同一小区同一处燃气泄漏"}]
        },
    )

    master: str = Field(
        min_length=1, max_length=64, description="The master ticket: its id or ticket number"
    )
    reason: Reason


class ReasonRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "问题已自行解决，来电人撤回"}]}
    )

    reason: Reason


class SupplementCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "补充：漏气位置在3号楼二单元门口的燃气表处"}]},
    )

    text: CleanText = Field(min_length=2, max_length=2000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)


class AnswerCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answer": "城乡居民医保缴费期为9月1日至12月31日，可通过浙里办缴纳。",
                    "knowledge_entry_id": "KB-YB-001",
                }
            ]
        },
    )

    answer: CleanText = Field(min_length=2, max_length=4000)
    knowledge_entry_id: str | None = Field(
        default=None, max_length=32, pattern=r"^[A-Z0-9-]+$", examples=["KB-YB-001"]
    )
    force: bool = Field(
        default=False,
        description="Answer a ticket that is not classified as a consultation (recorded); "
        "never allowed for threats and police matters",
    )


class TicketState(BaseModel):
    """A ticket's state after an action, with its merge and repeat links and timeline."""

    id: UUID
    ticket_number: str
    status: str = Field(examples=["merged", "registered", "closed"])
    resolution: str | None = Field(examples=["retracted", "answered"])
    closed_at: datetime | None
    master_ticket_id: UUID | None = Field(description="Set while merged into another ticket")
    caller_count: int = Field(description="Callers on this matter, this ticket's included")
    repeat_of_ticket_id: UUID | None = Field(description="The caller's first call on the matter")
    repeat_count: int
    repeat_flag: str | None = Field(examples=["repeat", "third_call"])
    updated_at: datetime
    timeline: list[TimelineEntryOut]


class KnowledgeEntryRead(BaseModel):
    id: str = Field(examples=["KB-YB-001"])
    title: str
    keywords: list[str]
    answer: str
    department: str
    updated: date


class KnowledgeHit(BaseModel):
    id: str
    title: str
    department: str
    updated: date
    score: float = Field(description="Relevance; higher is better")
    snippet: str = Field(description="The part of the answer that best fits the question")


class KnowledgeSearchResult(BaseModel):
    query: str
    items: list[KnowledgeHit]


# --- ticket actions -----------------------------------------------------------------------------


@router.post(
    "/tickets/{ticket_ref}/merge",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["merges"],
    summary="Merge a ticket into a master ticket about the same matter (人工并单)",
)
async def merge_ticket(
    ticket_ref: str,
    body: MergeRequest,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        master = await find_ticket(session, body.master)
        await merges.merge_by_operator(
            session, runtime, ticket=ticket, master=master, reason=body.reason, principal=principal
        )

    return await _run_action(runtime, principal, ticket_ref, "merge", body, idempotency_key, act)


@router.post(
    "/tickets/{ticket_ref}/split",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["merges"],
    summary="Split a wrongly merged ticket off its master (拆单)",
)
async def split_ticket(
    ticket_ref: str,
    body: ReasonRequest,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await merges.split_by_operator(
            session, runtime, ticket=ticket, reason=body.reason, principal=principal
        )

    return await _run_action(runtime, principal, ticket_ref, "split", body, idempotency_key, act)


@router.post(
    "/tickets/{ticket_ref}/retract",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["amendments"],
    summary="The caller withdraws the ticket (撤单); it closes as retracted",
)
async def retract_ticket(
    ticket_ref: str,
    body: ReasonRequest,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await amendments.retract(
            session, runtime, ticket=ticket, reason=body.reason, principal=principal
        )

    return await _run_action(runtime, principal, ticket_ref, "retract", body, idempotency_key, act)


@router.post(
    "/tickets/{ticket_ref}/supplements",
    status_code=201,
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["amendments"],
    summary="Add the caller's follow-up information (补充) to an open ticket",
)
async def add_supplement(
    ticket_ref: str,
    body: SupplementCreate,
    principal: Actor,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await amendments.supplement(
            session,
            runtime,
            ticket=ticket,
            text=body.text,
            attachments=[a.as_event_value() for a in body.attachments],
            principal=principal,
        )

    return await _run_action(
        runtime, principal, ticket_ref, "supplement", body, idempotency_key, act, response
    )


@router.post(
    "/tickets/{ticket_ref}/answer",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["amendments"],
    summary="Answer a consultation at intake (直接答复); the ticket closes as answered",
)
async def answer_ticket(
    ticket_ref: str,
    body: AnswerCreate,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await amendments.answer(
            session,
            runtime,
            ticket=ticket,
            text=body.answer,
            knowledge_entry_id=body.knowledge_entry_id,
            force=body.force,
            principal=principal,
        )

    return await _run_action(runtime, principal, ticket_ref, "answer", body, idempotency_key, act)


async def _run_action(
    runtime: Runtime,
    principal: Principal,
    ticket_ref: str,
    action: str,
    body: BaseModel,
    idempotency_key: str | None,
    act: Callable[[AsyncSession, Ticket], Awaitable[None]],
    response: Response | None = None,
) -> TicketState:
    async with runtime.transaction() as session:
        ticket = await find_ticket(session, ticket_ref)
        ensure_area(principal, ticket.area_code)
        first_time = True
        if idempotency_key:
            first_time = await _claim_key(
                session, runtime, principal, idempotency_key, action, ticket, body
            )
        if first_time:
            await act(session, ticket)
            await session.flush()
        elif response is not None:
            response.status_code = 200  # a replay creates nothing
        return await _state(session, ticket)


async def _claim_key(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    key: str,
    action: str,
    ticket: Ticket,
    body: BaseModel,
) -> bool:
    """True the first time; False for a retry of the same request, which must not act again.

    A concurrent first attempt holds the key's row until it commits, so a retry waits for it.
    """
    request_hash = hashlib.sha256(
        f"{action}:{ticket.id}:{body.model_dump_json()}".encode()
    ).hexdigest()
    table = TicketActionKey.__table__
    inserted = await session.scalar(
        insert(table)
        .values(
            principal=principal.subject,
            key=key,
            action=action,
            request_hash=request_hash,
            ticket_id=ticket.id,
            created_at=runtime.now(),
        )
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(table.c.id)
    )
    if inserted is not None:
        return True
    earlier = await session.scalar(
        select(TicketActionKey).where(
            TicketActionKey.principal == principal.subject, TicketActionKey.key == key
        )
    )
    if earlier is None or earlier.request_hash != request_hash:
        raise idempotency_key_reused()
    return False


async def _state(session: AsyncSession, ticket: Ticket) -> TicketState:
    timeline = await timeline_of(session, ticket.id)
    return TicketState(
        id=ticket.id,
        ticket_number=ticket.ticket_number,
        status=ticket.status,
        resolution=ticket.resolution,
        closed_at=ticket.closed_at,
        master_ticket_id=ticket.master_ticket_id,
        caller_count=ticket.caller_count,
        repeat_of_ticket_id=ticket.repeat_of_ticket_id,
        repeat_count=ticket.repeat_count,
        repeat_flag=ticket.repeat_flag,
        updated_at=ticket.updated_at,
        timeline=timeline_out(timeline),
    )


# --- knowledge base -----------------------------------------------------------------------------


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
