"""One-run load benchmark of the running local stack, with the machine's raw ceilings beside it.

In one run, on the same machine and the same broker and database as the stack:

1. **Ceilings**: raw asyncpg ticket-shaped transactions per second (bench_intake's baseline),
   and raw aiokafka produce and consume rates of 1 KiB records on the stack's broker.
2. **Idle**: the CPU of every stack process over one window with no request (bench_idle);
   then ``POST /v1/classify`` one request after another (``--classify-runs``), p50 / p99.
3. **Pipeline, open loop**: at each offered rate, tickets are sent on a fixed schedule whatever
   the answers (``rate`` per second for ``seconds``), so a slow stack shows as latency, not as
   a lower offered rate. For each: POST latency from the scheduled instant (client queueing
   included), POST → task assigned (the task's ``assigned_at`` in dispatch's database against
   the scheduled instant), the share of tickets complete (task assigned, the ticket's timeline
   showing it, the receipt SMS queued) within ``--drain`` s of the last send, and the CPU per
   ticket by component: the CPU every process used from the first send until the last ticket was
   complete, less the idle rate over the same time, divided by the tickets accepted.
4. **Maximum sustainable rate**: the highest offered rate at which every ticket was complete
   within ``--sustain-s`` of the end of sending and POST p99 stayed under 1 s, refined by
   bisection between the last rate that held and the first that did not.

    uv run python scripts/bench_load.py [--rates 5,20,50,100] [--seconds 20] [--peak-seconds 60]

Results go to .run/bench/load.json; ``--out docs/performance-result.json`` for the one the docs
cite. Database reads go straight to the services' databases (the DSNs their settings resolve),
so that measuring adds no API load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_idle import _sample, _used, components, idle_window, write_result
from bench_intake import baseline, classify_latency, ticket_bodies

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
# What a ticket leaves behind when the pipeline is done with it, by disposition.
STEPS = {"task": "task_assigned", "mediation": "case_opened", "risk": "alert_raised"}
# The receipt SMS: for a new matter on registration, for a merged call on the merge.
RECEIPT_TRIGGERS = ["pingan.intake.ticket.registered.v1", "pingan.intake.ticket.merged.v1"]


# --- the stack and its databases ------------------------------------------------------------


def dsn(service: str) -> str:
    """The asyncpg DSN a service's settings resolve (the local stack's unless overridden)."""
    module = __import__(f"pingan_{service}.settings", fromlist=["settings"])
    url: str = getattr(module, f"{service.capitalize()}Settings")().database_url
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class Databases:
    intake: asyncpg.Pool
    dispatch: asyncpg.Pool
    notify: asyncpg.Pool

    @classmethod
    async def open(cls) -> Databases:
        names = ("intake", "dispatch", "notify")
        return cls(*[await asyncpg.create_pool(dsn(n), min_size=1, max_size=2) for n in names])

    async def close(self) -> None:
        for pool in (self.intake, self.dispatch, self.notify):
            await pool.close()

    async def assigned(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        rows = await self.dispatch.fetch(
            "SELECT ticket_id, min(assigned_at) AS at FROM tasks"
            " WHERE ticket_id = ANY($1::uuid[]) AND assigned_at IS NOT NULL GROUP BY ticket_id",
            ids,
        )
        return {row["ticket_id"]: row["at"] for row in rows}

    async def steps(self, ids: list[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
        rows = await self.intake.fetch(
            "SELECT DISTINCT ticket_id, step FROM ticket_timeline"
            " WHERE ticket_id = ANY($1::uuid[])",
            ids,
        )
        return {(row["ticket_id"], row["step"]) for row in rows}

    async def receipts(self, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.notify.fetch(
            "SELECT DISTINCT ticket_id FROM deliveries WHERE ticket_id = ANY($1::uuid[])"
            " AND channel = 'sms' AND trigger_type = ANY($2::text[])",
            ids,
            RECEIPT_TRIGGERS,
        )
        return {row["ticket_id"] for row in rows}


# --- one offered rate -----------------------------------------------------------------------


@dataclass
class Sent:
    scheduled: float  # wall clock (time.time()), comparable with the databases' timestamps
    answered: float | None = None
    status: int | None = None
    ticket_id: uuid.UUID | None = None
    dispositions: list[str] = field(default_factory=list)
    answer_only: bool = False

    def wants(self) -> set[str]:
        return {STEPS[d] for d in self.dispositions if d in STEPS}


async def offer(
    client: httpx.AsyncClient, url: str, headers: dict, rate: float, seconds: float
) -> list[Sent]:
    """Send ``rate`` tickets a second on schedule for ``seconds``, each in its own task."""
    count = round(rate * seconds)
    # Made before the clock starts: the first body computes the county's grid points (about a
    # second), which would otherwise delay the first sends and show as the stack's latency.
    generator = ticket_bodies(seed=int(time.time() * 1000) % 2**31, duplicates=False)
    bodies = iter([next(generator) for _ in range(count)])
    sends: list[Sent] = []
    tasks: list[asyncio.Task[None]] = []
    started = time.time()
    for n in range(count):
        scheduled = started + n / rate
        await asyncio.sleep(max(0.0, scheduled - time.time()))
        sent = Sent(scheduled)
        sends.append(sent)
        tasks.append(asyncio.create_task(_post(client, url, headers, next(bodies), sent)))
    await asyncio.gather(*tasks)
    return sends


async def _post(client: httpx.AsyncClient, url: str, headers: dict, body: dict, sent: Sent) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    try:
        response = await client.post(url, json=body, headers={**headers, **key}, timeout=60)
    except httpx.HTTPError:
        sent.answered = time.time()
        return
    sent.answered, sent.status = time.time(), response.status_code
    if response.status_code == 201:
        ticket = response.json()
        sent.ticket_id = uuid.UUID(ticket["id"])
        merged = ticket.get("status") == "merged"
        sent.dispositions = [] if merged else list(ticket.get("dispositions") or [])
        # A question answered on the call gets no receipt (nothing to follow up).
        sent.answer_only = not merged and sent.dispositions == ["answer"]


@dataclass
class Completion:
    assigned_at: dict[uuid.UUID, datetime]
    complete_at: dict[uuid.UUID, float]  # when the poll first saw it complete (wall clock)
    # What was still missing at the deadline, counted over the incomplete tickets.
    missing: dict[str, int] = field(default_factory=dict)


async def follow(db: Databases, sends: list[Sent], deadline: float) -> Completion:
    """Poll the databases every 0.25 s until every accepted ticket is complete or ``deadline``."""
    accepted = [s for s in sends if s.ticket_id]
    pending = {s.ticket_id: s for s in accepted if s.ticket_id}
    assigned: dict[uuid.UUID, datetime] = {}
    complete: dict[uuid.UUID, float] = {}
    while pending and time.time() < deadline:
        ids = list(pending)
        assigned |= await db.assigned(ids)
        steps, receipts = await db.steps(ids), await db.receipts(ids)
        now = time.time()
        for ticket_id, sent in list(pending.items()):
            if not missing(ticket_id, sent, assigned, steps, receipts):
                complete[ticket_id] = now
                del pending[ticket_id]
        if pending:
            await asyncio.sleep(0.25)
    return Completion(assigned, complete, await _still_missing(db, pending, assigned))


async def _still_missing(
    db: Databases, pending: dict[uuid.UUID, Sent], assigned: dict[uuid.UUID, datetime]
) -> dict[str, int]:
    if not pending:
        return {}
    ids = list(pending)
    steps, receipts = await db.steps(ids), await db.receipts(ids)
    counts: dict[str, int] = {}
    for ticket_id, sent in pending.items():
        for gap in missing(ticket_id, sent, assigned, steps, receipts):
            counts[gap] = counts.get(gap, 0) + 1
    return counts


def missing(
    ticket_id: uuid.UUID,
    sent: Sent,
    assigned: dict[uuid.UUID, datetime],
    steps: set[tuple[uuid.UUID, str]],
    receipts: set[uuid.UUID],
) -> list[str]:
    """What the pipeline has not yet done for this ticket."""
    gaps = [f"step {step}" for step in sorted(sent.wants()) if (ticket_id, step) not in steps]
    if "task" in sent.dispositions and ticket_id not in assigned:
        gaps.append("task assigned")
    if not sent.answer_only and ticket_id not in receipts:
        gaps.append("receipt queued")
    return gaps


def percentiles(values_ms: list[float]) -> dict[str, float] | None:
    if not values_ms:
        return None
    ordered = sorted(values_ms)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1)}


@dataclass
class Stage:
    rate: float
    seconds: float
    sends: list[Sent]
    completion: Completion
    cpu_s: dict[str, float]  # beyond idle, by component
    elapsed_s: float
    sending_s: float

    def result(self, sustain_s: float) -> dict[str, Any]:
        accepted = [s for s in self.sends if s.ticket_id]
        post_ms = [1000 * (s.answered - s.scheduled) for s in self.sends if s.answered]
        to_task_ms = [
            1000 * (self.completion.assigned_at[s.ticket_id].timestamp() - s.scheduled)
            for s in accepted
            if s.ticket_id in self.completion.assigned_at
        ]
        end = self.sends[0].scheduled + self.sending_s if self.sends else 0.0
        in_time = [t for t in self.completion.complete_at.values() if t <= end + sustain_s]
        tickets = max(1, len(accepted))
        per_ticket = {name: round(1000 * cpu / tickets, 2) for name, cpu in self.cpu_s.items()}
        per_ticket["total"] = round(sum(per_ticket.values()), 2)
        statuses: dict[str, int] = {}
        for s in self.sends:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
        post = percentiles(post_ms)
        return {
            "offered_per_s": self.rate,
            "seconds": self.seconds,
            "sent": len(self.sends),
            "accepted": len(accepted),
            "statuses": statuses,
            "accepted_per_s": round(len(accepted) / self.sending_s, 1),
            "with_a_task": sum("task" in s.dispositions for s in accepted),
            "complete": len(self.completion.complete_at),
            "complete_share": round(len(self.completion.complete_at) / tickets, 4),
            "incomplete_missing": self.completion.missing,
            "complete_within_sustain_share": round(len(in_time) / tickets, 4),
            "post_ms": post,
            "post_to_task_assigned_ms": percentiles(to_task_ms),
            "cpu_ms_per_ticket_beyond_idle": per_ticket,
            "measured_over_s": round(self.elapsed_s, 1),
            "sustained": bool(
                accepted
                and len(accepted) == len(self.sends)
                and len(in_time) == len(accepted)
                and post is not None
                and post["p99"] < 1000
            ),
        }


@dataclass
class Bench:
    """What every stage runs against: the client, the databases, the processes and the idle."""

    client: httpx.AsyncClient
    db: Databases
    named: dict[str, int]
    idle_pct: dict[str, float]
    url: str
    headers: dict[str, str]
    args: argparse.Namespace

    async def stage(self, rate: float, seconds: float) -> Stage:
        before, started = _sample(self.named), time.monotonic()
        sends = await offer(self.client, self.url, self.headers, rate, seconds)
        sending_s = time.monotonic() - started
        completion = await follow(self.db, sends, deadline=time.time() + self.args.drain)
        after, elapsed = _sample(self.named), time.monotonic() - started
        if len(completion.complete_at) < sum(1 for s in sends if s.ticket_id):
            # Let the backlog clear before the next stage (not measured), or it would load it.
            say("  waiting for the backlog to clear before the next stage")
            await follow(self.db, sends, deadline=time.time() + self.args.settle)
        cpu = {
            name: max(0.0, _used(before[name], after[name]) - self.idle_pct[name] / 100 * elapsed)
            for name in self.named
        }
        return Stage(rate, seconds, sends, completion, cpu, elapsed, sending_s)

    async def run_stage(self, rate: float, seconds: float) -> dict[str, Any]:
        say(f"offering {rate:g} tickets/s for {seconds:g} s")
        outcome = (await self.stage(rate, seconds)).result(self.args.sustain_s)
        say(
            f"  accepted {outcome['accepted']}/{outcome['sent']}, complete {outcome['complete']},"
            f" POST p99 {(outcome['post_ms'] or {}).get('p99')} ms, to task p99"
            f" {(outcome['post_to_task_assigned_ms'] or {}).get('p99')} ms,"
            f" CPU {outcome['cpu_ms_per_ticket_beyond_idle']['total']} ms/ticket"
        )
        await asyncio.sleep(self.args.pause)
        return outcome

    async def find_sustainable(self, stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bisect between the highest rate that held and the lowest above it that did not."""
        extra: list[dict[str, Any]] = []
        for _ in range(self.args.bisect_steps):
            bounds = sustainable_bounds(stages + extra)
            if bounds is None:
                break
            low, high = bounds
            extra.append(await self.run_stage(round((low + high) / 2), self.args.seconds))
        return extra


# --- the ceilings ---------------------------------------------------------------------------


async def kafka_ceiling(records: int = 50_000, size: int = 1024) -> dict[str, Any]:
    """Raw aiokafka on the stack's broker: records/s produced (acks=all, batched) and consumed."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    from pingan_common.settings import KafkaSettings

    settings = KafkaSettings()
    topic = f"bench.ceiling.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**settings.connection())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
        producer = AIOKafkaProducer(**settings.connection(), acks="all", linger_ms=5)
        await producer.start()
        payload = os.urandom(size // 2).hex().encode()
        try:
            started = time.perf_counter()
            futures = [await producer.send(topic, payload) for _ in range(records)]
            await asyncio.gather(*futures)
            produced_s = time.perf_counter() - started
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic, **settings.connection(), auto_offset_reset="earliest", enable_auto_commit=False
        )
        await consumer.start()
        try:
            started, seen = time.perf_counter(), 0
            while seen < records:
                batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
                seen += sum(len(batch) for batch in batches.values())
            consumed_s = time.perf_counter() - started
        finally:
            await consumer.stop()
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    return {
        "records": records,
        "record_bytes": size,
        "produced_per_s": round(records / produced_s),
        "consumed_per_s": round(records / consumed_s),
    }


async def ceilings(seconds: float) -> dict[str, Any]:
    database = await baseline(seconds, 16, dsn("intake"))
    return {"asyncpg_ticket_rows": database, "aiokafka": await kafka_ceiling()}


# --- the run --------------------------------------------------------------------------------


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    """Each stage's accepted rate against the raw database ceiling, as a share."""
    ceiling = result["ceilings"]["asyncpg_ticket_rows"].get("per_second")
    if not ceiling:
        return {}
    return {
        str(stage["offered_per_s"]): round(stage["accepted_per_s"] / ceiling, 4)
        for stage in result["stages"]
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from chaos import Stack

    stack = Stack()
    named = components(stack.state())
    result: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "command": " ".join(["scripts/bench_load.py", *sys.argv[1:]]),
    }
    say("ceilings: raw asyncpg and aiokafka on the stack's database and broker")
    result["ceilings"] = await ceilings(args.ceiling_seconds)
    say("idle window")
    idle = await idle_window(named, args.idle_seconds)
    result["idle_cpu_pct_of_one_core"] = idle
    say(f"POST /v1/classify, {args.classify_runs} requests one after another")
    operator = stack.headers("operator")
    await classify_latency(stack.urls["intake"], 20, operator)  # warm the connection
    result["classify"] = await classify_latency(stack.urls["intake"], args.classify_runs, operator)
    say(f"  p50 {result['classify']['p50_ms']:.1f} ms, p99 {result['classify']['p99_ms']:.1f} ms")
    db = await Databases.open()
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=64)
    stages: list[dict[str, Any]] = []
    try:
        async with httpx.AsyncClient(limits=limits) as client:
            url = f"{stack.urls['intake']}/v1/tickets"
            bench = Bench(client, db, named, idle, url, stack.headers("operator"), args)
            for rate in args.rates:
                peak = len(args.rates) > 1 and rate == max(args.rates)
                seconds = args.peak_seconds if peak else args.seconds
                stages.append(await bench.run_stage(rate, seconds))
            stages += await bench.find_sustainable(stages)
    finally:
        await db.close()
    result["stages"] = sorted(stages, key=lambda s: s["offered_per_s"])
    held = [s["offered_per_s"] for s in stages if s["sustained"]]
    result["max_sustainable_per_s"] = max(held) if held else None
    result["accepted_share_of_database_ceiling"] = ratios(result)
    return result


def sustainable_bounds(stages: list[dict[str, Any]]) -> tuple[float, float] | None:
    """(highest rate that held, lowest higher rate that failed), None when nothing to bisect."""
    held = [s["offered_per_s"] for s in stages if s["sustained"]]
    if not held:
        return None
    low = max(held)
    failed = [s["offered_per_s"] for s in stages if not s["sustained"] and s["offered_per_s"] > low]
    if not failed or min(failed) - low < 2:
        return None
    return low, min(failed)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates", type=lambda v: [float(r) for r in v.split(",")], default=[5, 20, 50, 100]
    )
    parser.add_argument("--seconds", type=float, default=20, help="sending time of each rate")
    parser.add_argument(
        "--peak-seconds", type=float, default=60, help="of the highest of several rates"
    )
    parser.add_argument("--drain", type=float, default=120, help="wait for completion after")
    parser.add_argument(
        "--sustain-s", type=float, default=5, help="complete within this of the end"
    )
    parser.add_argument(
        "--settle", type=float, default=600, help="at most, for a backlog after a stage"
    )
    parser.add_argument("--bisect-steps", type=int, default=2)
    parser.add_argument("--pause", type=float, default=5, help="between stages")
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--ceiling-seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--classify-runs", type=int, default=500)
    parser.add_argument("--out", type=Path, default=RUN_DIR / "bench" / "load.json")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    outcome = asyncio.run(main(arguments))
    write_result(arguments.out, outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "stages"}, indent=2))
