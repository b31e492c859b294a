"""``Idempotency-Key`` for every POST that creates something: a retry answers the first result.

The key is claimed by the first statement of the creating transaction, with the id the new
resource will get:

* nothing there → the key is ours; create the resource with that id; the claim commits with it
  (or rolls back with it, freeing the key);
* the same key and body committed before → answer with the earlier resource (a retry);
* the same key with another body → 422: a key names one request, not a slot to reuse;
* a request with the same key still in flight → PostgreSQL makes the claim wait on the unique
  index until the first commits, then it is a retry; if the first takes longer than the wait
  bound, 409.

Keys are per principal and per scope (``ticket.create``, ``webhook.create`` …), so two clients
can never collide and one key may serve one create and one action. There is no maintained
library for this (ECOSYSTEM.md); the shape follows the IETF ``Idempotency-Key`` draft.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.problems import Conflict, ProblemError

TABLE_NAME = "idempotency_records"
# How long a claim waits for an in-flight request with the same key before answering 409.
IN_FLIGHT_WAIT = timedelta(seconds=5)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique printable string; a retry with the same key and body answers "
        "the first result instead of creating a second one",
    ),
]


def idempotency_table(metadata: MetaData) -> Table:
    """The claims table on a service's own metadata (its migration creates it)."""
    table = Table(
        TABLE_NAME,
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("scope", String(40), nullable=False),
        Column("principal", String(100), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("resource_id", String(64), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        UniqueConstraint("principal", "scope", "key", name="uq_idempotency_records_key"),
    )
    Index("ix_idempotency_records_created_at", table.c.created_at)
    return table


@dataclass(frozen=True)
class IdempotentRequest:
    """One keyed request: who sent it, for what, and a hash of exactly what it asked."""

    scope: str
    principal: str
    key: str
    request_hash: str

    @classmethod
    def of(
        cls, key: str | None, *, scope: str, principal: Principal | str, body: Any
    ) -> IdempotentRequest | None:
        """None when the client sent no key (then nothing is deduplicated)."""
        if not key:
            return None
        subject = principal.subject if isinstance(principal, Principal) else principal
        return cls(scope=scope, principal=subject, key=key, request_hash=request_hash(body))


def request_hash(body: Any) -> str:
    """SHA-256 of the request as JSON with sorted keys: the same request, the same hash."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    if isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(
            _plain(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        ).encode()
    return hashlib.sha256(raw).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


async def claim(
    session: AsyncSession,
    table: Table,
    request: IdempotentRequest,
    *,
    resource_id: object,
    now: datetime,
    wait: timedelta = IN_FLIGHT_WAIT,
) -> str | None:
    """Claim the key for ``resource_id``; None means go ahead and create it.

    Otherwise the id of the resource the first request with this key created. Must be the first
    write of the creating transaction, so a concurrent duplicate waits here, not half-way.
    """
    claimed = await _insert_claim(session, table, request, str(resource_id), now, wait)
    if claimed:
        return None
    earlier = (
        await session.execute(
            select(table.c.request_hash, table.c.resource_id).where(
                table.c.principal == request.principal,
                table.c.scope == request.scope,
                table.c.key == request.key,
            )
        )
    ).one()
    if earlier.request_hash != request.request_hash:
        raise key_reused()
    return earlier.resource_id


# One round trip, compiled once (a text statement is cached; the dialect's ON CONFLICT insert is
# compiled anew on every call in SQLAlchemy 2.0): the CTE bounds this statement's wait on an
# in-flight duplicate's uncommitted claim, and RETURNING puts the transaction's own lock
# timeout back once the row is in, so the rest of the creating transaction waits as before.
_CLAIM = text(
    f"""
    WITH previous AS (
        SELECT current_setting('lock_timeout') AS lock_timeout,
               set_config('lock_timeout', :wait, true)
    )
    INSERT INTO {TABLE_NAME} (scope, principal, key, request_hash, resource_id, created_at)
    SELECT :scope, :principal, :key, :request_hash, :resource_id, :created_at FROM previous
    ON CONFLICT ON CONSTRAINT uq_idempotency_records_key DO NOTHING
    RETURNING id, set_config('lock_timeout', (SELECT lock_timeout FROM previous), true)
    """
)


async def _insert_claim(
    session: AsyncSession,
    table: Table,
    request: IdempotentRequest,
    resource_id: str,
    now: datetime,
    wait: timedelta,
) -> bool:
    if table.name != TABLE_NAME:
        raise ValueError(f"claims live in {TABLE_NAME}, not {table.name}")
    milliseconds = max(1, int(wait.total_seconds() * 1000))
    try:
        result = await session.execute(
            _CLAIM,
            {
                "wait": str(milliseconds),
                "scope": request.scope,
                "principal": request.principal,
                "key": request.key,
                "request_hash": request.request_hash,
                "resource_id": resource_id,
                "created_at": now,
            },
        )
    except DBAPIError as error:
        if _is_lock_timeout(error):
            raise in_flight() from error
        raise
    return result.first() is not None


def _is_lock_timeout(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "55P03" or "lock timeout" in str(error)


async def purge_before(session: AsyncSession, table: Table, cutoff: datetime) -> int:
    """Forget claims older than ``cutoff`` (a retry after that creates anew)."""
    result = await session.execute(delete(table).where(table.c.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def key_reused() -> ProblemError:
    """The one answer to a retry whose body differs from the first request's."""
    return ProblemError(
        422,
        "Idempotency-Key reused",
        "this Idempotency-Key was already used with a different request",
        errors=[{"field": "header.Idempotency-Key", "message": "reused", "type": "reused"}],
    )


def in_flight() -> Conflict:
    return Conflict(
        "a request with this Idempotency-Key is still being processed; retry shortly",
        type_="idempotency-key-in-flight",
    )
