"""A scanner pass over many open tasks reads an index range, never the whole table.

Own module, own database: 30,000 synthetic open tasks would slow every other scanner test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from pingan_dispatch.sla.scanner import STAGES, due_query, run_pass

OPEN_TASKS = 30_000

INSERT_OPEN_TASKS = text(
    """
    INSERT INTO tasks (
        id, kind, ticket_id, ticket_number, source_event_id, state, summary, category_group,
        category_label, urgency, area_code, location_resolved, unit_code, co_unit_codes,
        handled_by, routing_fallback, created_at, clock_started_at, assigned_at, accept_due_at,
        due_at, original_due_at, warn_at, escalate_at, accept_overdue_due_at, return_count,
        reassign_count, reopen_count, extension_count, flagged, version
    )
    SELECT gen_random_uuid(), 'ticket', gen_random_uuid(), 'SYN' || i, gen_random_uuid(),
           (ARRAY['assigned', 'accepted', 'in_progress'])[1 + i % 3], 'synthetic',
           'city_service', '路灯故障', 'normal', '331199001', true, '331199001-ZZ', '{}', '{}',
           false, start, start, start, start + interval '1 hour',
           start + interval '5 days', start + interval '5 days', start + interval '4 days',
           start + interval '6 days',
           CASE WHEN i % 3 = 1 THEN NULL ELSE start + interval '1 hour' END,
           0, 0, 0, 0, false, 1
    FROM (
        -- Assigned over the last 10 days, one every half minute: a few due at any moment.
        SELECT i, CAST(:now AS timestamptz) - (i * interval '30 seconds') AS start
        FROM generate_series(1, :count) AS i
    ) AS spread
    """
)


async def test_a_scanner_pass_uses_the_partial_indexes_not_a_scan_of_all_tasks(dispatch):
    runtime = dispatch.service.runtime
    now = datetime.now(UTC)
    async with runtime.transaction() as session:
        await session.execute(INSERT_OPEN_TASKS, {"now": now, "count": OPEN_TASKS})
    async with runtime.engine.connect() as connection:
        await connection.exec_driver_sql("ANALYZE tasks")
        plans = {}
        for stage in STAGES:
            compiled = due_query(stage, now, 500).compile(dialect=connection.dialect)
            parameters = tuple(compiled.params[name] for name in compiled.positiontup)
            rows = await connection.exec_driver_sql(f"EXPLAIN {compiled}", parameters)
            plans[stage.name] = "\n".join(row[0] for row in rows)

    for stage, plan in plans.items():
        assert "Seq Scan" not in plan, f"{stage}:\n{plan}"
        assert "ix_tasks_scan_" in plan, f"{stage}:\n{plan}"


DUE_NOW = 1_500


async def test_a_pass_publishes_each_due_stage_once_in_batches(dispatch):
    runtime = dispatch.service.runtime
    now = datetime.now(UTC) + timedelta(days=400)  # past every synthetic deadline
    async with runtime.transaction() as session:
        # All but a few have had their stages already (as in a running system).
        await session.execute(
            text(
                "UPDATE tasks SET warned_due_at = due_at, overdue_due_at = due_at,"
                " escalated_due_at = due_at, accept_overdue_due_at = accept_due_at"
                " WHERE id NOT IN (SELECT id FROM tasks ORDER BY id LIMIT :due)"
            ),
            {"due": DUE_NOW},
        )

    first = await run_pass(runtime.sessions, runtime.outbox, now, batch_size=400)
    second = await run_pass(runtime.sessions, runtime.outbox, now, batch_size=400)

    # Each due task: overdue and escalated once (batches of 400 over 1,500); the warnings
    # come after the deadline and are recorded silently.
    assert first.published["overdue"] == first.published["escalated"] == DUE_NOW
    assert first.silenced == DUE_NOW
    assert second.total == 0 and second.silenced == 0
