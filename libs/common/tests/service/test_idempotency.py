"""Idempotency-Key claims on a real PostgreSQL: first, retry, other body, concurrent duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from pingan_common.db import create_engine, new_metadata, session_factory
from pingan_common.idempotency import IdempotentRequest, claim, idempotency_table, purge_before
from pingan_common.problems import ProblemError
from pingan_common.testing.infra import fresh_database

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(stack) -> AsyncIterator[tuple[AsyncEngine, Table]]:  # type: ignore[no-untyped-def]
    url = await fresh_database(stack.postgres, f"{stack.name}_idempotency")
    engine = create_engine(url, pool_size=4)
    metadata = new_metadata()
    table = idempotency_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine, table
    finally:
        await engine.dispose()


def _request(body: dict, key: str = "k-1", principal: str = "operator1") -> IdempotentRequest:
    request = IdempotentRequest.of(key, scope="ticket.create", principal=principal, body=body)
    assert request is not None
    return request


async def test_the_first_claim_goes_ahead_and_a_retry_gets_the_first_resource(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        assert await claim(session, table, _request({"a": 1}), resource_id="R1", now=NOW) is None
    async with sessions.begin() as session:
        earlier = await claim(session, table, _request({"a": 1}), resource_id="R2", now=NOW)
    assert earlier == "R1"


async def test_the_same_key_with_another_body_is_a_422(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await claim(session, table, _request({"a": 1}), resource_id="R1", now=NOW)
    with pytest.raises(ProblemError) as reused:
        async with sessions.begin() as session:
            await claim(session, table, _request({"a": 2}), resource_id="R2", now=NOW)
    assert reused.value.status == 422


async def test_keys_are_per_principal_and_scope(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    other_scope = IdempotentRequest.of("k-1", scope="ticket.merge", principal="operator1", body={})
    assert other_scope is not None
    async with sessions.begin() as session:
        assert await claim(session, table, _request({}), resource_id="R1", now=NOW) is None
        assert (
            await claim(session, table, _request({}, principal="x"), resource_id="R2", now=NOW)
            is None
        )
        assert await claim(session, table, other_scope, resource_id="R3", now=NOW) is None


async def test_a_rolled_back_create_frees_its_key(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await claim(session, table, _request({"a": 1}), resource_id="R1", now=NOW)
            raise RuntimeError("the create failed")
    async with sessions.begin() as session:
        assert await claim(session, table, _request({"a": 1}), resource_id="R2", now=NOW) is None


async def test_a_concurrent_duplicate_waits_for_the_first_and_answers_its_resource(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    first_claimed = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> str | None:
        async with sessions.begin() as session:
            result = await claim(session, table, _request({"a": 1}), resource_id="R1", now=NOW)
            first_claimed.set()
            await release_first.wait()  # still creating: the duplicate must wait
            return result

    async def duplicate() -> str | None:
        await first_claimed.wait()
        async with sessions.begin() as session:
            return await claim(session, table, _request({"a": 1}), resource_id="R2", now=NOW)

    first_task = asyncio.create_task(first())
    duplicate_task = asyncio.create_task(duplicate())
    await first_claimed.wait()
    await asyncio.sleep(0.3)
    assert not duplicate_task.done()
    release_first.set()

    assert await first_task is None
    assert await duplicate_task == "R1"
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(table)) == 1


async def test_claims_older_than_the_cutoff_are_purged(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await claim(session, table, _request({}, key="old"), resource_id="R1", now=NOW)
        await claim(
            session, table, _request({}, key="new"), resource_id="R2", now=NOW + timedelta(days=2)
        )
    async with sessions.begin() as session:
        assert await purge_before(session, table, NOW + timedelta(days=1)) == 1


async def test_a_duplicate_of_a_request_still_in_flight_past_the_wait_is_a_409(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    first_claimed = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with sessions.begin() as session:
            await claim(session, table, _request({"a": 1}), resource_id="R1", now=NOW)
            first_claimed.set()
            await release_first.wait()

    first_task = asyncio.create_task(first())
    await first_claimed.wait()
    try:
        with pytest.raises(ProblemError) as in_flight:
            async with sessions.begin() as session:
                await claim(
                    session,
                    table,
                    _request({"a": 1}),
                    resource_id="R2",
                    now=NOW,
                    wait=timedelta(milliseconds=200),
                )
        assert in_flight.value.status == 409
    finally:
        release_first.set()
        await first_task


async def test_a_claim_leaves_the_transactions_own_lock_timeout_as_it_was(db) -> None:  # type: ignore[no-untyped-def]
    engine, table = db
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await session.execute(text("SET LOCAL lock_timeout = '7s'"))
        await claim(session, table, _request({"a": 1}, key="timeout"), resource_id="R1", now=NOW)
        assert await session.scalar(text("SHOW lock_timeout")) == "7s"
