"""The daily SMS budget check runs before every SMS, so it reads one counter row per county day.

On a migrated notify database: a day's counter starts from the segments sent or delivered by SMS
since the county-local midnight (a send at 23:59:59 the evening before, a failed SMS and an
in-app item do not count), summed once from ix_deliveries_sms_budget (with 30 days of history,
20,000 rows, never a sequential scan); after that only the sends it is told of add to it, and
it reads no delivery again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pingan_common.db import create_engine
from pingan_common.migrations import upgrade_to_head
from pingan_common.testing.infra import fresh_database
from pingan_notify.deliveries.policies import COUNTY_TZ, SmsBudget
from pingan_notify.sms.budget_counter import add_sent, segments_used, sent_since_statement

NOW = datetime(2031, 3, 10, 9, 30, tzinfo=COUNTY_TZ)
BUDGET = SmsBudget(daily_limit=1000)

_INSERT = text(
    """
    INSERT INTO deliveries (id, channel, recipient_kind, recipient, audience, urgent, title, body,
        correlation_id, trigger_event_id, trigger_type, trigger_time, status, attempts, due_at,
        created_at, sent_at, segments)
    SELECT gen_random_uuid(), CAST(:channel AS varchar), 'unit', 'u-' || n, 'staff', false, 't',
        'b', 'c-' || n, gen_random_uuid(), 'x', CAST(:at AS timestamptz),
        CAST(:status AS varchar), 1, CAST(:at AS timestamptz), CAST(:at AS timestamptz),
        CAST(:at AS timestamptz) - (n % 720) * interval '1 hour', CAST(:segments AS integer)
    FROM generate_series(1, CAST(:rows AS integer)) AS n
    """
)


async def _rows(
    engine: AsyncEngine,
    *,
    at: datetime,
    rows: int = 1,
    channel: str = "sms",
    status: str = "sent",
    segments: int = 1,
    spread: bool = False,
) -> None:
    """``rows`` deliveries sent at ``at`` (or, with ``spread``, hourly over the 30 days before)."""
    statement = _INSERT if spread else text(str(_INSERT).replace("(n % 720)", "0"))
    params = {"channel": channel, "at": at, "status": status, "segments": segments, "rows": rows}
    async with engine.begin() as conn:
        await conn.execute(statement, params)


@pytest.fixture
async def notify_db(postgres: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await fresh_database(postgres, "notify_budget_query"), pool_size=1)
    await upgrade_to_head(engine, "pingan_notify:migrations")
    try:
        yield engine
    finally:
        await engine.dispose()


async def _used(engine: AsyncEngine, now: datetime = NOW) -> int:
    async with AsyncSession(engine) as session, session.begin():
        return await segments_used(session, BUDGET.day_start(now))


async def _add_sent(engine: AsyncEngine, segments: int, now: datetime = NOW) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await add_sent(session, BUDGET.day_start(now), segments)


async def _plan(engine: AsyncEngine) -> list[dict[str, Any]]:
    statement = sent_since_statement(BUDGET.day_start(NOW)).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
    )
    async with engine.connect() as conn:
        raw = await conn.scalar(text(f"EXPLAIN (FORMAT JSON) {statement}"))
    plan = json.loads(raw) if isinstance(raw, str) else raw
    nodes, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


async def test_a_days_counter_starts_from_the_days_sms_read_from_the_index(notify_db: AsyncEngine):
    history_end = BUDGET.day_start(NOW) - timedelta(seconds=1)
    await _rows(notify_db, at=history_end, rows=12_000, spread=True)
    await _rows(notify_db, at=history_end, rows=8_000, channel="in_app", spread=True)
    await _rows(notify_db, at=NOW - timedelta(minutes=5), rows=40)
    for maintenance in ("ANALYZE deliveries", "VACUUM ANALYZE deliveries"):
        async with notify_db.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(maintenance))
        nodes = await _plan(notify_db)
        types = [node["Node Type"] for node in nodes]
        assert "Seq Scan" not in types, types
        # an index scan, or a bitmap heap scan over the index's bitmap: this index alone
        indexes = {node["Index Name"] for node in nodes if "Index Name" in node}
        assert indexes == {"ix_deliveries_sms_budget"}, (maintenance, indexes, types)
    assert await _used(notify_db) == 40


async def test_the_budget_counts_the_county_day_from_midnight(notify_db: AsyncEngine):
    midnight = BUDGET.day_start(NOW)
    assert midnight.hour == 0 and midnight.tzinfo == COUNTY_TZ
    await _rows(notify_db, at=midnight - timedelta(seconds=1), segments=5)  # yesterday evening
    await _rows(notify_db, at=midnight, segments=2)  # the first second of the day counts
    await _rows(notify_db, at=NOW, status="delivered", segments=3)
    await _rows(notify_db, at=NOW, status="failed", segments=7)
    await _rows(notify_db, at=NOW, channel="in_app", segments=11)
    assert await _used(notify_db) == 2 + 3


async def test_after_its_start_the_counter_reads_no_delivery_and_adds_each_send(
    notify_db: AsyncEngine,
):
    await _rows(notify_db, at=NOW - timedelta(hours=1), rows=3, segments=2)
    assert await _used(notify_db) == 6
    # Rows written behind the counter's back are not summed again: the day's row is all it reads.
    await _rows(notify_db, at=NOW, rows=50)
    assert await _used(notify_db) == 6
    await _add_sent(notify_db, 3)
    await _add_sent(notify_db, 1)
    assert await _used(notify_db) == 10


async def test_each_county_day_has_its_own_counter(notify_db: AsyncEngine):
    await _add_sent(notify_db, 4)
    assert await _used(notify_db) == 4
    tomorrow = NOW + timedelta(days=1)
    assert await _used(notify_db, tomorrow) == 0
    await _add_sent(notify_db, 2, tomorrow)
    assert (await _used(notify_db), await _used(notify_db, tomorrow)) == (4, 2)
