"""The inbox: a consumer group applies an event id once, enforced by the primary key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from pingan_common.db import create_engine, new_metadata, session_factory, system_clock
from pingan_common.events.envelope import EventEnvelope, new_event_id
from pingan_common.inbox import claim_event, purge_inbox
from pingan_common.messaging_tables import MessagingTables
from pingan_common.testing.infra import fresh_database


def _event() -> EventEnvelope:
    return EventEnvelope(
        id=new_event_id(),
        source="/pingan/test",
        type="pingan.test.thing.happened.v1",
        subject="thing-1",
        time=system_clock(),
        dataschema="https://schemas.pingan.local/events/test.json",
        correlationid="thing-1",
        data={},
    )


@pytest.fixture
async def db(stack) -> AsyncIterator[tuple[AsyncEngine, MessagingTables]]:  # type: ignore[no-untyped-def]
    url = await fresh_database(stack.postgres, f"{stack.name}_inbox")
    engine = create_engine(url, pool_size=4)
    metadata = new_metadata()
    tables = MessagingTables.define(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine, tables
    finally:
        await engine.dispose()


async def _rows(engine: AsyncEngine, tables: MessagingTables) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(tables.inbox))


async def test_claim_twice_is_true_then_false_and_groups_are_independent(db) -> None:  # type: ignore[no-untyped-def]
    engine, tables = db
    sessions = session_factory(engine)
    event = _event()

    async with sessions.begin() as session:
        assert await claim_event(session, tables.inbox, "dispatch", event) is True
    async with sessions.begin() as session:
        assert await claim_event(session, tables.inbox, "dispatch", event) is False
    async with sessions.begin() as session:
        # within one transaction too: the second claim sees the first
        other = _event()
        assert await claim_event(session, tables.inbox, "dispatch", other) is True
        assert await claim_event(session, tables.inbox, "dispatch", other) is False
    async with sessions.begin() as session:
        # another consumer group has its own record of what it applied
        assert await claim_event(session, tables.inbox, "mediation", event) is True

    assert await _rows(engine, tables) == 3


async def test_a_rolled_back_claim_leaves_the_event_unapplied(db) -> None:  # type: ignore[no-untyped-def]
    engine, tables = db
    sessions = session_factory(engine)
    event = _event()

    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            assert await claim_event(session, tables.inbox, "dispatch", event) is True
            raise RuntimeError("the handler failed after the claim")

    async with sessions.begin() as session:
        assert await claim_event(session, tables.inbox, "dispatch", event) is True
    assert await _rows(engine, tables) == 1


async def test_concurrent_claims_let_exactly_one_transaction_apply_the_event(db) -> None:  # type: ignore[no-untyped-def]
    """Two consumers holding the same event at once (e.g. during a rebalance): the second
    claim waits for the first transaction and then answers False, whatever the isolation."""
    engine, tables = db
    sessions = session_factory(engine)
    event = _event()
    first_claimed = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> bool:
        async with sessions.begin() as session:
            claimed = await claim_event(session, tables.inbox, "dispatch", event)
            first_claimed.set()
            await release_first.wait()
            return claimed

    async def second() -> bool:
        await first_claimed.wait()
        async with sessions.begin() as session:
            return await claim_event(session, tables.inbox, "dispatch", event)

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    await first_claimed.wait()
    await asyncio.sleep(0.2)
    assert not second_task.done(), "the second claim must wait for the first transaction"
    release_first.set()
    assert await asyncio.wait_for(asyncio.gather(first_task, second_task), 10) == [True, False]
    assert await _rows(engine, tables) == 1


async def test_purge_removes_only_old_entries(db) -> None:  # type: ignore[no-untyped-def]
    engine, tables = db
    sessions = session_factory(engine)
    old, recent = _event(), _event()
    async with sessions.begin() as session:
        await claim_event(session, tables.inbox, "dispatch", old)
        await claim_event(session, tables.inbox, "dispatch", recent)
        await session.execute(
            update(tables.inbox)
            .where(tables.inbox.c.event_id == old.id)
            .values(received_at=system_clock() - timedelta(days=30))
        )
    async with sessions.begin() as session:
        purged = await purge_inbox(session, tables.inbox, system_clock() - timedelta(days=7))
    assert purged == 1
    async with sessions.begin() as session:
        assert await claim_event(session, tables.inbox, "dispatch", recent) is False
