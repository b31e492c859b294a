"""Benchmark dispatch: the deadline scanner over 100,000 open tasks, and task transitions/s.

1. Scanner. A scratch database (``pingan_dispatch_bench``, dropped and re-created) on the local
   stack's PostgreSQL, or on an embedded PostgreSQL this script starts when the stack is not up,
   migrated to dispatch's schema with the demo county's units. N open tasks (default 100,000)
   assigned over the last 10 days with realistic limits (urgent 2 h, utilities 24 h, ordinary
   ~5 working days, complex ~15 working days) and every stage whose instant has passed already
   fired, as in a running system. Then passes every simulated ``--interval`` seconds: the time
   of a pass (median of ``--passes``) with the few stages that fall due in an interval, and
   one catch-up pass after a ``--outage`` of the scanner (many due at once).
2. Transitions. Against the running stack (``make run``): ``--tasks`` varied tickets
   posted to intake, then, once dispatch has assigned them, accept + reply for each with
   ``--concurrency`` clients; transitions per second. Skipped when the stack is not up.

    uv run python scripts/bench_dispatch.py [--open-tasks 100000] [--tasks 300] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bench_intake import ticket_bodies
from sqlalchemy import text

from pingan_common.db import create_engine, session_factory
from pingan_common.infra.ports import free_port, tcp_accepts
from pingan_common.infra.postgres import EmbeddedPostgres, ExternalPostgres
from pingan_common.migrations import upgrade_to_head
from pingan_common.outbox import Outbox
from pingan_common.refdata import load_county
from pingan_common.testing.infra import fresh_database
from pingan_dispatch.demo.directory import demo_units, seed
from pingan_dispatch.models import Unit, messaging
from pingan_dispatch.sla.scanner import STAGES, due_query, run_pass

STACK_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
INTAKE = "http://127.0.0.1:8001"
DISPATCH = "http://127.0.0.1:8002"

# Open tasks assigned over the last 10 days; the handling span by kind of matter, the stages'
# markers set for every instant already past (what a running scanner leaves behind).
INSERT_OPEN_TASKS = """
WITH spread AS (
    SELECT i,
           CAST(:now AS timestamptz) - random() * interval '10 days' AS start,
           random() AS kind,
           random() AS progress
    FROM generate_series(1, :count) AS i
), limits AS (
    SELECT i, start, progress,
           CASE WHEN kind < 0.05 THEN interval '2 hours'
                WHEN kind < 0.15 THEN interval '24 hours'
                WHEN kind < 0.85 THEN interval '7 days'
                ELSE interval '21 days' END AS span,
           CASE WHEN kind < 0.05 THEN interval '30 minutes' ELSE interval '1 hour' END AS sign_in,
           CASE WHEN kind < 0.05 THEN interval '1 hour' ELSE interval '1 day' END AS grace
    FROM spread
), deadlines AS (
    SELECT i, start, sign_in, span,
           CASE WHEN progress < 0.1 THEN 'assigned'
                WHEN progress < 0.75 THEN 'accepted' ELSE 'in_progress' END AS state,
           start + sign_in AS accept_due_at,
           start + span AS due_at,
           start + span * 0.8 AS warn_at,
           start + span + grace AS escalate_at
    FROM limits
)
INSERT INTO tasks (
    id, kind, ticket_id, ticket_number, source_event_id, state, summary, category_group,
    category_label, urgency, area_code, township_code, location_resolved, unit_code,
    co_unit_codes, handled_by, routing_fallback, created_at, clock_started_at, assigned_at,
    accept_due_at, due_at, original_due_at, warn_at, escalate_at,
    accept_overdue_due_at, warned_due_at, overdue_due_at, escalated_due_at,
    return_count, reassign_count, reopen_count, extension_count, flagged, version
)
SELECT gen_random_uuid(), 'ticket', gen_random_uuid(), 'BENCH' || i, gen_random_uuid(), state,
       'bench', 'city_service', '路灯故障', 'normal',
       '33119900' || (1 + i % 8), '33119900' || (1 + i % 8), true,
       '33119900' || (1 + i % 8) || '-ZZ', '{}', '{}', false, start, start, start,
       accept_due_at, due_at, due_at, warn_at, escalate_at,
       CASE WHEN accept_due_at <= :now THEN accept_due_at END,
       CASE WHEN warn_at <= :now THEN due_at END,
       CASE WHEN due_at <= :now THEN due_at END,
       CASE WHEN escalate_at <= :now THEN due_at END,
       0, 0, 0, 0, false, 1
FROM deadlines
"""


# --- 1. the scanner ---------------------------------------------------------------------------


async def scanner_bench(args: argparse.Namespace) -> dict[str, Any]:
    server, embedded, where = _postgres(args.database_url)
    try:
        url = await fresh_database(server, "pingan_dispatch_bench")
        engine = create_engine(url, pool_size=2)
        try:
            return {"database": where} | await _scan_figures(engine, args)
        finally:
            await engine.dispose()
    finally:
        if embedded:
            server.stop()


def _postgres(url: str | None) -> tuple[Any, bool, str]:
    if url:
        return ExternalPostgres(url), False, "given server"
    if tcp_accepts("127.0.0.1", 5432):
        return ExternalPostgres(STACK_POSTGRES), False, "local stack's PostgreSQL"
    base = Path(tempfile.mkdtemp(prefix="pingan-bench-"))
    server = EmbeddedPostgres(base / "data", port=free_port(), fast=True).start()
    return server, True, "embedded PostgreSQL (stack not running)"


async def _scan_figures(engine, args: argparse.Namespace) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    await upgrade_to_head(engine, "pingan_dispatch:migrations")
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await seed(session, Unit, "code", demo_units(load_county()), now)
    started = time.perf_counter()
    async with sessions.begin() as session:
        await session.execute(text("SELECT setseed(0.42)"))
        await session.execute(text(INSERT_OPEN_TASKS), {"now": now, "count": args.open_tasks})
    inserted_s = time.perf_counter() - started
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with autocommit.connect() as connection:
        await connection.exec_driver_sql("VACUUM ANALYZE tasks")
    outbox = Outbox(messaging.outbox)
    steady, due = [], []
    for k in range(1, args.passes + 1):
        at = now + timedelta(seconds=args.interval * k)
        started = time.perf_counter()
        result = await run_pass(sessions, outbox, at, batch_size=args.batch)
        steady.append(time.perf_counter() - started)
        due.append(result.total + result.silenced)
    after_outage = now + timedelta(seconds=args.interval * args.passes + args.outage)
    started = time.perf_counter()
    catch_up = await run_pass(sessions, outbox, after_outage, batch_size=args.batch)
    catch_up_s = time.perf_counter() - started
    return {
        "open_tasks": args.open_tasks,
        "insert_s": round(inserted_s, 2),
        "interval_s": args.interval,
        "passes": args.passes,
        "pass_ms_median": _ms(statistics.median(steady)),
        "pass_ms_max": _ms(max(steady)),
        "due_per_pass_median": statistics.median(due),
        "catch_up_after_s": args.outage,
        "catch_up_stages": catch_up.total + catch_up.silenced,
        "catch_up_ms": _ms(catch_up_s),
        "index_only_plans": await _plans_use_indexes(engine, after_outage),
    }


async def _plans_use_indexes(engine, at: datetime) -> bool:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        for stage in STAGES:
            compiled = due_query(stage, at, 500).compile(dialect=connection.dialect)
            parameters = tuple(compiled.params[name] for name in compiled.positiontup)
            plan = await connection.exec_driver_sql(f"EXPLAIN {compiled}", parameters)
            if any("Seq Scan" in row[0] for row in plan):
                return False
    return True


# --- 2. transitions through the REST API ------------------------------------------------------


def _headers(role: str, unit_code: str | None = None) -> dict[str, str]:
    """A token of the role's demo user, or of a handler of ``unit_code`` (any unit)."""
    from pingan_common.auth.dev_issuer import issue_token
    from pingan_common.devstack.config import AUDIENCE, ISSUER_URL
    from pingan_common.devstack.paths import RunPaths

    user = load_county().default_user(role)
    token = issue_token(
        RunPaths.discover().keys,
        subject=f"bench-{role}-{unit_code}" if unit_code else user.username,
        name=user.display_name,
        roles=[role],
        area=user.area_code if unit_code is None else "331199",
        unit=unit_code or user.unit_code,
        issuer=ISSUER_URL,
        audience=AUDIENCE,
    )
    return {"Authorization": f"Bearer {token}"}


async def transitions_bench(args: argparse.Namespace) -> dict[str, Any]:
    if not (tcp_accepts("127.0.0.1", 8001) and tcp_accepts("127.0.0.1", 8002)):
        return {"skipped": "the local stack is not running (make run)"}
    operator, dispatcher = _headers("operator"), _headers("dispatcher")
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        assigned = await _assigned_tasks(client, args, operator, dispatcher)
        handlers = {unit: _headers("handler", unit) for unit in set(assigned.values())}
        # Let the rest of the pipeline (intake timelines, notify) finish with the new tickets.
        await asyncio.sleep(args.settle)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for task_id in assigned:
            queue.put_nowait(task_id)
        failures = 0

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                task_id = queue.get_nowait()
                handler = handlers[assigned[task_id]]
                for action, body in (("accept", {}), ("reply", {"result": "已修复"})):
                    response = await client.post(
                        f"{DISPATCH}/v1/tasks/{task_id}/{action}", json=body, headers=handler
                    )
                    failures += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
    transitions = 2 * len(assigned)
    return {
        "tasks": len(assigned),
        "concurrency": args.concurrency,
        "transitions": transitions,
        "failed": failures,
        "seconds": round(elapsed, 2),
        "transitions_per_s": round(transitions / elapsed, 1),
    }


async def _assigned_tasks(client, args, operator, dispatcher) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Register varied tickets (distinct matters all over the county, so none merges) until
    ``--tasks`` of them have an assigned task; returns task id → handling unit."""
    semaphore = asyncio.Semaphore(args.concurrency)
    bodies = ticket_bodies(seed=int(time.time()), duplicates=False)

    async def register() -> str | None:
        async with semaphore:
            response = await client.post(
                f"{INTAKE}/v1/tickets", json=next(bodies), headers=operator
            )
            response.raise_for_status()
            ticket = response.json()
            return ticket["id"] if "task" in ticket["dispositions"] else None

    ticket_ids = [t for t in await asyncio.gather(*(register() for _ in range(args.tasks))) if t]
    tasks: dict[str, str] = {}
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while len(seen) < len(ticket_ids) and time.monotonic() < deadline:
        for ticket_id in ticket_ids:
            if ticket_id in seen:
                continue
            response = await client.get(
                f"{DISPATCH}/v1/tasks", params={"ticket_id": ticket_id}, headers=dispatcher
            )
            items = response.json().get("items", [])
            if items and items[0]["state"] == "assigned" and items[0]["unit_code"]:
                tasks[items[0]["id"]] = items[0]["unit_code"]
                seen.add(ticket_id)
        await asyncio.sleep(0.2)
    return tasks


# --- report -------------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def markdown(figures: dict[str, Any]) -> str:
    scan, moves = figures["scanner"], figures["transitions"]
    lines = ["| measure | value |", "|---|---|"]
    if "skipped" in scan:
        lines.append(f"| scanner | skipped: {scan['skipped']} |")
    else:
        lines += _scanner_lines(scan)
    if "skipped" in moves:
        lines.append(f"| task transitions per second | skipped: {moves['skipped']} |")
    else:
        lines.append(
            f"| task transitions per second (accept + reply, {moves['concurrency']} clients)"
            f" | {moves['transitions_per_s']} ({moves['transitions']} in {moves['seconds']} s,"
            f" {moves['failed']} failed) |"
        )
    return "\n".join(lines)


def _scanner_lines(scan: dict[str, Any]) -> list[str]:
    return [
        f"| open tasks | {scan['open_tasks']:,} ({scan['database']}) |",
        f"| scanner pass, steady state (median of {scan['passes']}, every {scan['interval_s']} s)"
        f" | {scan['pass_ms_median']} ms (max {scan['pass_ms_max']} ms),"
        f" {scan['due_per_pass_median']} stages due per pass |",
        f"| catch-up pass after {scan['catch_up_after_s']} s without scanning"
        f" | {scan['catch_up_ms']} ms for {scan['catch_up_stages']:,} stages |",
        f"| every stage query an index scan (EXPLAIN) | {scan['index_only_plans']} |",
    ]


async def main(args: argparse.Namespace) -> None:
    figures = {
        "scanner": {"skipped": "--no-scanner"} if args.no_scanner else await scanner_bench(args),
        "transitions": (
            {"skipped": "--no-rest"} if args.no_rest else await transitions_bench(args)
        ),
    }
    print(json.dumps(figures, indent=2) if args.json else markdown(figures))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-tasks", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--interval", type=float, default=15.0, help="simulated seconds")
    parser.add_argument("--outage", type=float, default=3600.0, help="seconds not scanned")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", help="admin URL of a PostgreSQL server to use")
    parser.add_argument("--tasks", type=int, default=300, help="tasks for the REST part")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds before timing")
    parser.add_argument("--no-rest", action="store_true", help="skip the REST part")
    parser.add_argument("--no-scanner", action="store_true", help="skip the scanner part")
    parser.add_argument("--json", action="store_true")
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
