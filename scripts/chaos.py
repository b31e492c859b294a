"""Chaos drill against the running local stack (``make chaos`` starts it if needed).

A steady stream of tickets (``--rate`` per second, each POST with its own Idempotency-Key,
retried with the same key on any error or timeout, as a real client would) while the drill, in
turn, kills each service with -9, loses the broker (Tansu restarted empty, then the outboxes
republished), pauses and restarts PostgreSQL and injects poison messages (``chaos_faults.py``
says how each is done and its recovery measured).

Then it waits for the pipeline to settle and reconciles, from the services' REST APIs only,
every ticket it submitted: registered exactly once (one ticket from its caller: a new number
each), exactly one task / case / alert as its dispositions say (none where they say none),
exactly one receipt SMS (none for a consultation answered on the call) and it ``delivered``, a
complete timeline (each step once), and nothing in the dead-letter topics but the poison.
Prints a report and writes it as JSON to ``.run/chaos/`` (``latest.json`` and one file per run).

    uv run python scripts/chaos.py                      # the full drill, ~5 minutes
    uv run python scripts/chaos.py --faults kill:intake,broker --tickets 50 --rate 5

Exit code 0 when nothing was lost or doubled and every fault recovered, 1 otherwise.
``PINGAN_RUN_DIR`` / ``PINGAN_STACK_PORT_OFFSET`` select another local stack (the test's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from chaos_faults import POISON_READERS, POISON_TOPIC, FaultResult, Faults

SERVICES = ("intake", "dispatch", "notify", "mediation", "riskassess")
ALL_FAULTS = (*(f"kill:{s}" for s in SERVICES), "broker", "pg-pause", "pg-restart", "poison")
RECEIPT_TRIGGERS = ("pingan.intake.ticket.registered.v1", "pingan.intake.ticket.merged.v1")
# What each disposition leaves behind: the owner's list route and the ticket's timeline step.
ARTIFACTS = {
    "task": ("dispatch", "/v1/tasks", "task_created"),
    "mediation": ("mediation", "/v1/cases", "case_opened"),
    "risk": ("riskassess", "/v1/alerts", "alert_raised"),
}
# Steps one event each, so each at most once on a timeline (a doubled event would show twice).
ONCE_STEPS = ("registered", "task_created", "case_opened", "alert_raised", "transferred_to_police")


# --- the stack ------------------------------------------------------------------------------


class Stack:
    """The running local stack, from what its supervisor records in ``.run/stack.json``."""

    def __init__(self) -> None:
        from pingan_common.devstack.config import StackConfig
        from pingan_common.devstack.paths import RunPaths
        from pingan_common.devstack.status import read_state, stack_pid

        self.paths = RunPaths.discover()
        if stack_pid(self.paths) is None:
            sys.exit(f"no local stack runs from {self.paths.root} (make up)")
        self._read_state = lambda: read_state(self.paths) or {}
        self.config = StackConfig.from_env(self.paths)
        state = self.state()
        self.urls = {name: svc["url"] for name, svc in state["services"].items()}
        missing = [s for s in SERVICES if s not in self.urls]
        if missing:
            sys.exit(f"the stack runs without {missing}; the drill needs all five services")
        self.services = SERVICES
        self.issuer = state["issuer"]["url"]
        self.tokens = {role: self._token(role) for role in ("operator", "admin")}

    def state(self) -> dict[str, Any]:
        return self._read_state()

    def _token(self, role: str) -> str:
        from pingan_common.auth.dev_issuer import issue_token
        from pingan_common.devstack.__main__ import demo_user
        from pingan_common.devstack.config import AUDIENCE
        from pingan_common.refdata import load_county

        user = demo_user(load_county().default_user(role))
        return issue_token(
            self.paths.keys,
            subject=user["username"],
            name=user["name"],
            roles=[role],
            area=user["area_code"],
            unit=user["unit_code"],
            issuer=self.issuer,
            audience=AUDIENCE,
            ttl_seconds=6 * 3600,
        )

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def pid(self, component: str) -> int | None:
        state = self.state()
        if component in state.get("services", {}):
            return state["services"][component]["pid"]
        key = {"tansu": "kafka"}.get(component, component)
        return (state.get(key) or {}).get("pid")

    async def ready(self, client: httpx.AsyncClient, service: str) -> bool:
        try:
            response = await client.get(f"{self.urls[service]}/readyz", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def all_ready(self, client: httpx.AsyncClient) -> bool:
        return all(await asyncio.gather(*(self.ready(client, s) for s in SERVICES)))


# --- the load -------------------------------------------------------------------------------


@dataclass
class Submission:
    n: int
    key: str
    marker: str
    body: dict[str, Any]
    submitted_at: float
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    ticket_id: str | None = None
    accepted_at: float | None = None
    abandoned: bool = False


class Load:
    """``rate`` tickets a second until stopped; each retried with its key until accepted."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient, run: str, args: Any) -> None:
        from bench_intake import ticket_bodies

        self.stack, self.client, self.run = stack, client, run
        self.rate, self.limit, self.give_up = args.rate, args.tickets, args.give_up_after
        self.bodies = ticket_bodies(seed=args.seed, duplicates=False)
        self.submissions: list[Submission] = []
        self.stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.last_accepted_at = 0.0

    async def run_until_stopped(self) -> None:
        started = time.monotonic()
        n = 0
        while not self.stopping.is_set() and (self.limit is None or n < self.limit):
            due = started + n / self.rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body = next(self.bodies)
            marker = f"〔演练 {self.run} 第{n:05d}件〕"
            body = {**body, "description": f"{body['description']}{marker}"}
            sub = Submission(n, f"chaos-{self.run}-{n}", marker, body, time.monotonic())
            self.submissions.append(sub)
            task = asyncio.create_task(self._submit(sub))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            n += 1

    async def drain(self) -> None:
        """Wait for the submissions still retrying (each gives up after ``give_up`` s)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def _submit(self, sub: Submission) -> None:
        url = f"{self.stack.urls['intake']}/v1/tickets"
        headers = {**self.stack.headers("operator"), "Idempotency-Key": sub.key}
        delay = 0.25
        while True:
            sub.attempts += 1
            try:
                response = await self.client.post(url, json=sub.body, headers=headers, timeout=10)
            except httpx.HTTPError as exc:
                sub.errors.append(type(exc).__name__)
            else:
                if response.status_code in (200, 201):
                    sub.ticket_id = response.json()["id"]
                    sub.accepted_at = time.monotonic()
                    self.last_accepted_at = max(self.last_accepted_at, sub.accepted_at)
                    return
                sub.errors.append(str(response.status_code))
                if response.status_code in (400, 401, 403, 404, 422):
                    sub.abandoned = True  # the drill's own mistake: retrying will not help
                    return
            if time.monotonic() - sub.submitted_at > self.give_up:
                sub.abandoned = True
                return
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 4.0)

    def accepted_since(self, instant: float) -> bool:
        return self.last_accepted_at > instant


# --- the reconciliation ---------------------------------------------------------------------


@dataclass
class Verdict:
    n: int
    ticket_id: str | None
    problems: list[str]
    dispositions: list[str] = field(default_factory=list)
    status: str | None = None
    receipt_statuses: list[str] = field(default_factory=list)


class Reconciler:
    def __init__(self, stack: Stack, client: httpx.AsyncClient, run: str) -> None:
        self.stack, self.client, self.run = stack, client, run

    async def get(self, service: str, path: str, role: str = "admin", **params: Any) -> Any:
        for attempt in range(5):
            try:
                response = await self.client.get(
                    f"{self.stack.urls[service]}{path}",
                    params=params,
                    headers=self.stack.headers(role),
                    timeout=15,
                )
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"{service} {path} {params}: no answer")

    async def copies(self, sub: Submission, since: datetime) -> int:
        """How many tickets intake holds from this submission's caller (a new number each)."""
        page = await self.get(
            "intake",
            "/v1/tickets",
            role="operator",  # searching by a caller's number is the operators' (audited)
            caller_phone=sub.body["caller"]["phone"],
            reason="chaos drill: reconciliation",
            **{"from": since.isoformat()},
        )
        return len(page["items"])

    async def check(self, sub: Submission, since: datetime) -> Verdict:
        problems: list[str] = []
        copies = await self.copies(sub, since)
        if copies == 0:
            problems.append("lost: no ticket from its caller")
        elif copies > 1:
            problems.append(f"doubled: {copies} tickets from its caller")
        ticket = await self.get("intake", f"/v1/tickets/{sub.ticket_id}")
        dispositions = list(ticket.get("dispositions") or [])
        merged = ticket.get("status") == "merged" or bool(ticket.get("merged_into"))
        steps = Counter(entry["step"] for entry in ticket.get("timeline", []))
        if steps["registered"] != 1:
            problems.append(f"timeline: registered ×{steps['registered']}")
        for step in ONCE_STEPS:
            if steps[step] > 1:
                problems.append(f"doubled: timeline step {step} ×{steps[step]}")
        for disposition, (service, path, step) in ARTIFACTS.items():
            items = (await self.get(service, path, ticket_id=sub.ticket_id))["items"]
            wanted = disposition in dispositions and not merged
            if disposition == "risk" and not wanted:
                # riskassess's signal rules may raise an alert on other tickets too: at most one
                if len(items) > 1:
                    problems.append(f"doubled: {len(items)} alerts")
                continue
            if len(items) != int(wanted):
                kind = "doubled" if len(items) > int(wanted) else "lost"
                problems.append(
                    f"{kind}: {len(items)} {path.rsplit('/', 1)[-1]}, want {int(wanted)}"
                )
            if wanted and steps[step] != 1:
                problems.append(f"timeline: {step} ×{steps[step]}")
        if "police_transfer" in dispositions and steps["transferred_to_police"] != 1:
            problems.append(f"timeline: transferred_to_police ×{steps['transferred_to_police']}")
        sms = (
            await self.get(
                "notify", "/v1/deliveries", correlation_id=sub.ticket_id, channel="sms", limit=50
            )
        )["items"]
        receipts = [d for d in sms if d.get("trigger_type") in RECEIPT_TRIGGERS]
        want_receipt = 0 if ticket.get("disposition") == "answer" and not merged else 1
        if len(receipts) != want_receipt:
            kind = "doubled" if len(receipts) > want_receipt else "lost"
            problems.append(f"{kind}: {len(receipts)} receipt SMS, want {want_receipt}")
        for receipt in receipts:
            if receipt.get("status") != "delivered":
                problems.append(f"undelivered: receipt SMS {receipt.get('status')}")
        return Verdict(
            sub.n,
            sub.ticket_id,
            problems,
            dispositions,
            ticket.get("status"),
            [d.get("status") for d in receipts],
        )

    async def settle(
        self, subs: list[Submission], since: datetime, within: float
    ) -> tuple[list[Verdict], list[int], float]:
        """Check every accepted ticket until all pass or ``within`` s pass: the last verdicts,
        and the submissions never answered that intake holds a ticket for anyway."""
        started = time.monotonic()
        semaphore = asyncio.Semaphore(16)

        async def bounded(coro: Any) -> Any:
            async with semaphore:
                return await coro

        unanswered = [s for s in subs if not s.ticket_id]
        counts = await asyncio.gather(*(bounded(self.copies(s, since)) for s in unanswered))
        ghosts = [s.n for s, count in zip(unanswered, counts, strict=True) if count]
        pending = {sub.n: sub for sub in subs if sub.ticket_id}
        verdicts: dict[int, Verdict] = {}
        while True:
            checks = (bounded(self.check(s, since)) for s in pending.values())
            for verdict in await asyncio.gather(*checks):
                verdicts[verdict.n] = verdict
                if not verdict.problems:
                    pending.pop(verdict.n)
            if not pending or time.monotonic() - started > within:
                break
            say(f"  {len(pending)} tickets not settled yet")
            await asyncio.sleep(3)
        return [verdicts[n] for n in sorted(verdicts)], ghosts, time.monotonic() - started


async def dead_letters(stack: Stack) -> dict[str, int]:
    """Records in every dead-letter topic the broker holds now (since its last restart)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=stack.config.bootstrap_servers)
    await consumer.start()
    try:
        topics = [t for t in await consumer.topics() if ".dlq." in t]
        counts: dict[str, int] = {}
        for topic in sorted(topics):
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            total = sum(ends[p] - starts[p] for p in partitions)
            if total:
                counts[topic] = total
        return counts
    finally:
        await consumer.stop()


# --- the drill ------------------------------------------------------------------------------


async def drill(args: argparse.Namespace) -> dict[str, Any]:
    stack = Stack()
    run = secrets.token_hex(3)
    started_wall = datetime.now(UTC) - timedelta(seconds=5)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(limits=limits) as client:
        if not await stack.all_ready(client):
            sys.exit("not every service is ready; make status")
        load = Load(stack, client, run, args)
        faults = Faults(stack, client, load, args)
        say(f"run {run}: {args.rate}/s, faults {', '.join(args.faults)} (stack {stack.paths.root})")
        load_task = asyncio.create_task(load.run_until_stopped())
        started = time.monotonic()
        results: list[FaultResult] = []
        try:
            await asyncio.sleep(args.warmup)
            for fault in args.faults:
                say(f"fault {fault} ({len(load.submissions)} tickets submitted so far)")
                result = await faults.inject(fault)
                results.append(result)
                say(
                    f"  {'recovered' if result.recovered else 'NOT RECOVERED'} in "
                    f"{result.recovery_s} s  {json.dumps(result.details, ensure_ascii=False)}"
                )
                await asyncio.sleep(args.gap)
            remaining = args.duration - (time.monotonic() - started)
            if args.tickets is None and remaining > 0:
                await asyncio.sleep(remaining)
            if args.tickets is not None:
                await load_task
        finally:
            load.stopping.set()
            await load_task
        load_seconds = time.monotonic() - started
        say(f"load stopped after {load_seconds:.0f} s; waiting for retries to finish")
        await load.drain()
        accepted = [s for s in load.submissions if s.ticket_id]
        say(f"{len(accepted)} accepted; reconciling (up to {args.settle:.0f} s)")
        reconciler = Reconciler(stack, client, run)
        verdicts, ghosts, settled = await reconciler.settle(
            load.submissions, started_wall, args.settle
        )
        try:
            dlq = await dead_letters(stack)
        except Exception as exc:  # the report still counts
            dlq = {"error": repr(exc)}
        state = stack.state()
    return report(args, run, load, results, verdicts, ghosts, settled, load_seconds, dlq, state)


def report(
    args: argparse.Namespace,
    run: str,
    load: Load,
    faults: list[FaultResult],
    verdicts: list[Verdict],
    ghosts: list[int],
    settled: float,
    load_seconds: float,
    dlq: dict[str, Any],
    state: dict[str, Any],
) -> dict[str, Any]:
    subs = load.submissions
    accepted = [s for s in subs if s.ticket_id]
    problems = [v for v in verdicts if v.problems]
    kinds = Counter(p.split(":", 1)[0] for v in problems for p in v.problems)
    dispositions = Counter(d for v in verdicts for d in v.dispositions)
    receipts = Counter(status for v in verdicts for status in v.receipt_statuses)
    return {
        "run": run,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "rate_per_s": args.rate,
            "tickets": args.tickets,
            "duration_s": args.duration,
            "faults": list(args.faults),
            "pg_pause_s": args.pg_pause,
            "republish_margin_s": args.republish_margin,
        },
        "load_seconds": round(load_seconds, 1),
        "submitted": len(subs),
        "accepted": len(accepted),
        "abandoned": sum(1 for s in subs if s.abandoned),
        "retried": sum(1 for s in subs if s.attempts > 1),
        "attempts": sum(s.attempts for s in subs),
        "errors_seen": dict(Counter(e for s in subs for e in s.errors)),
        "accepted_but_unanswered": ghosts,
        "lost": kinds.get("lost", 0),
        "doubled": kinds.get("doubled", 0),
        "incomplete_timelines": kinds.get("timeline", 0),
        "undelivered_receipts": kinds.get("undelivered", 0),
        "tickets_with_problems": [asdict(v) for v in problems][:50],
        "dispositions": dict(dispositions),
        "receipt_statuses": dict(receipts),
        "settled_after_s": round(settled, 1),
        "dead_letters_now": dlq,
        "dead_letters_expected": (expected := expected_dead_letters(faults)),
        "dead_letters_unexpected": (unexpected := unexpected_dead_letters(dlq, expected)),
        "faults": [asdict(f) for f in faults],
        "supervisor": {
            name: {k: svc.get(k) for k in ("restarts", "given_up", "last_exit")}
            for name, svc in {**state.get("infra_restarts", {}), **state["services"]}.items()
        },
        "ok": not problems and not ghosts and not unexpected and all(f.recovered for f in faults),
    }


def expected_dead_letters(faults: list[FaultResult]) -> dict[str, int]:
    """What the dead-letter topics should hold at the end: the poison injected since the last
    broker loss (which took everything before it), in each reading group's topic, and nothing
    else."""
    since_loss = faults
    for index, fault in enumerate(faults):
        if fault.fault == "broker":
            since_loss = faults[index + 1 :]
    poison = sum(f.details.get("records", 0) for f in since_loss if f.fault == "poison")
    if not poison:
        return {}
    return {f"{POISON_TOPIC}.dlq.{group}": poison for group in POISON_READERS}


def unexpected_dead_letters(dlq: dict[str, Any], expected: dict[str, int]) -> dict[str, Any]:
    """Each dead-letter topic whose count differs from the expected one: (found, expected)."""
    if "error" in dlq:
        return {"error": dlq["error"]}
    return {
        topic: {"found": dlq.get(topic, 0), "expected": expected.get(topic, 0)}
        for topic in sorted(set(dlq) | set(expected))
        if dlq.get(topic, 0) != expected.get(topic, 0)
    }


def print_report(result: dict[str, Any]) -> None:
    print(
        f"\nchaos run {result['run']}: {result['submitted']} submitted, {result['accepted']} "
        f"accepted ({result['retried']} retried with their key, {result['abandoned']} "
        f"abandoned), lost {result['lost']}, doubled {result['doubled']}, incomplete timelines "
        f"{result['incomplete_timelines']}; settled {result['settled_after_s']} s after the load"
    )
    print(f"  dispositions {result['dispositions']}; receipts {result['receipt_statuses']}")
    if result["undelivered_receipts"]:
        print(
            f"  {result['undelivered_receipts']} receipts not delivered (queued ones may be held"
            " by quiet hours: make chaos starts its stack without them, docs/chaos.md)"
        )
    print(f"  errors the client saw {result['errors_seen']}")
    print(
        f"  dead letters in the broker now {result['dead_letters_now']} (expected "
        f"{result['dead_letters_expected']}; unexpected {result['dead_letters_unexpected']})"
    )
    print(f"  {'fault':<17} {'recovery s':>10}  details")
    for fault in result["faults"]:
        recovery = "NOT" if not fault["recovered"] else f"{fault['recovery_s']:.2f}"
        details = json.dumps(fault["details"], ensure_ascii=False)
        print(f"  {fault['fault']:<17} {recovery:>10}  {details}")
    for verdict in result["tickets_with_problems"][:10]:
        print(f"  ticket {verdict['n']} {verdict['ticket_id']}: {'; '.join(verdict['problems'])}")
    print("  OK: nothing lost, nothing doubled" if result["ok"] else "  FAILED")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0, help="tickets per second")
    parser.add_argument("--duration", type=float, default=180, help="least seconds of load")
    parser.add_argument("--tickets", type=int, help="stop the load after this many tickets")
    parser.add_argument(
        "--faults", default=",".join(ALL_FAULTS), help=f"comma-separated, of {ALL_FAULTS}"
    )
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before faults")
    parser.add_argument("--gap", type=float, default=10, help="seconds of load between faults")
    parser.add_argument("--pg-pause", type=float, default=5, help="seconds PostgreSQL is paused")
    parser.add_argument("--republish-margin", type=float, default=60)
    parser.add_argument("--recovery-timeout", type=float, default=90)
    parser.add_argument("--give-up-after", type=float, default=300)
    parser.add_argument("--settle", type=float, default=180, help="seconds to wait to settle")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, help="directory for the JSON (default .run/chaos)")
    args = parser.parse_args()
    args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in args.faults if f not in ALL_FAULTS]
    if unknown:
        parser.error(f"unknown faults {unknown}; known: {ALL_FAULTS}")
    if args.seed is None:
        args.seed = int(time.time())
    result = asyncio.run(drill(args))
    from pingan_common.devstack.paths import RunPaths

    out = args.out or RunPaths.discover().root / "chaos"
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    (out / f"chaos-{time.strftime('%Y%m%dT%H%M%S')}-{result['run']}.json").write_text(text)
    (out / "latest.json").write_text(text)
    print_report(result)
    print(f"  JSON: {out / 'latest.json'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
