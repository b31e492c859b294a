"""The faults ``scripts/chaos.py`` injects, and how it measures each one's recovery.

- ``kill:<service>``: kill -9 of the service's process; the supervisor restarts it. Recovery:
  from the kill until its new process answers /readyz (intake: and the next ticket is accepted).
- ``broker``: kill -9 of Tansu, which comes back empty (memory storage); then the operators'
  recovery, ``POST /v1/admin/outbox/republish`` on every service from a margin before the loss.
- ``pg-pause``: SIGSTOP of every PostgreSQL process for ``--pg-pause`` s, then SIGCONT.
- ``pg-restart``: a fast shutdown of PostgreSQL (SIGINT to the postmaster: every connection
  is cut); the supervisor starts it again.
- ``poison``: two records no consumer can parse (not JSON; a known event type with a payload
  that fails its schema) on ``intake.tickets.v1``; every group that reads it must dead-letter
  both and go on. Recovery: until every such group's dead-letter topic holds both.

For the broker and PostgreSQL, recovery runs from the moment the component is back until the
pipeline flows again: a ticket accepted after that moment has its dispatch task.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psutil

POISON_TOPIC = "intake.tickets.v1"
# The groups that read POISON_TOPIC: each dead-letters what it cannot parse on its own.
POISON_READERS = ("dispatch", "mediation", "notify", "riskassess")


async def wait_for(predicate: Any, *, within: float, interval: float = 0.1) -> float | None:
    """Seconds until ``await predicate()`` is true, or None after ``within`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if await predicate():
            return time.monotonic() - started
        await asyncio.sleep(interval)
    return None


@dataclass
class FaultResult:
    fault: str
    at: str
    recovered: bool
    recovery_s: float | None
    details: dict[str, Any] = field(default_factory=dict)


class Faults:
    def __init__(self, stack: Any, client: httpx.AsyncClient, load: Any, args: Any) -> None:
        self.stack, self.client, self.load, self.args = stack, client, load, args
        self.republished: list[dict[str, Any]] = []
        self.poison_keys: list[str] = []

    async def inject(self, fault: str) -> FaultResult:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        if fault.startswith("kill:"):
            return await self.kill_service(fault.split(":", 1)[1], at)
        handlers = {
            "broker": self.broker_loss,
            "pg-pause": self.pg_pause,
            "pg-restart": self.pg_restart,
            "poison": self.poison,
        }
        if fault not in handlers:
            raise ValueError(f"unknown fault {fault}")
        return await handlers[fault](at)

    # --- services ------------------------------------------------------------------------

    async def kill_service(self, service: str, at: str) -> FaultResult:
        pid = self.stack.pid(service)
        if pid is None:
            return FaultResult(f"kill:{service}", at, False, None, {"error": "no pid to kill"})
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()

        async def back() -> bool:
            new = self.stack.pid(service)
            return new is not None and new != pid and await self.stack.ready(self.client, service)

        took = await wait_for(back, within=self.args.recovery_timeout, interval=0.1)
        details: dict[str, Any] = {"pid": pid, "new_pid": self.stack.pid(service)}
        if service == "intake" and took is not None:
            served = await wait_for(
                lambda: _true(self.load.accepted_since(killed)), within=30, interval=0.05
            )
            details["next_ticket_accepted_after_s"] = _round(
                None if served is None else time.monotonic() - killed
            )
            if served is not None:
                took = time.monotonic() - killed
        details["supervisor_restarts"] = self.stack.state()["services"][service].get("restarts")
        return FaultResult(f"kill:{service}", at, took is not None, _round(took), details)

    # --- the broker ----------------------------------------------------------------------

    async def broker_loss(self, at: str) -> FaultResult:
        pid = self.stack.pid("tansu")
        if pid is None:
            return FaultResult("broker", at, False, None, {"error": "Tansu is not the stack's"})
        lost_at = datetime.now(UTC)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()

        async def broker_back() -> bool:
            new = self.stack.pid("tansu")
            return new is not None and new != pid

        back = await wait_for(broker_back, within=60, interval=0.05)
        back_at = time.monotonic()
        ready = await wait_for(
            lambda: self.stack.all_ready(self.client),
            within=self.args.recovery_timeout,
            interval=0.1,
        )
        since = lost_at - timedelta(seconds=self.args.republish_margin)
        rows = await self.republish(since)
        republished = time.monotonic() - back_at
        flowing = await self.flowing_after(back_at)
        recovered = (
            back is not None
            and ready is not None
            and flowing is not None
            and all(isinstance(n, int) for n in rows.values())
        )
        details = {
            "broker_back_s": _round(back),
            "services_ready_after_back_s": _round(ready),
            "republished_after_back_s": _round(republished),
            "flowing_after_back_s": _round(flowing),
            "since_kill_s": _round(time.monotonic() - killed),
            "republish_since": since.isoformat(timespec="seconds"),
            "republished_rows": rows,
        }
        return FaultResult("broker", at, recovered, _round(flowing), details)

    async def republish(self, since: datetime) -> dict[str, int | str]:
        """The operators' recovery after a broker lost its data: every service's outbox again."""
        rows: dict[str, int | str] = {}
        for service in self.stack.services:
            for _ in range(10):
                try:
                    response = await self.client.post(
                        f"{self.stack.urls[service]}/v1/admin/outbox/republish",
                        json={"since": since.isoformat()},
                        headers=self.stack.headers("admin"),
                        timeout=30,
                    )
                except httpx.HTTPError as exc:
                    rows[service] = type(exc).__name__
                else:
                    if response.status_code == 200:
                        rows[service] = response.json()["rows"]
                        break
                    rows[service] = f"{response.status_code} {response.text[:120]}"
                await asyncio.sleep(1)
        self.republished.append({"since": since.isoformat(), "rows": rows})
        return rows

    # --- PostgreSQL ----------------------------------------------------------------------

    async def pg_pause(self, at: str) -> FaultResult:
        pid = self.stack.pid("postgres")
        if pid is None:
            return FaultResult("pg-pause", at, False, None, {"error": "PostgreSQL is not ours"})
        postmaster = psutil.Process(pid)
        paused: list[psutil.Process] = []
        try:
            postmaster.suspend()  # first, so it forks no new backend meanwhile
            paused.append(postmaster)
            for child in postmaster.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.suspend()
                    paused.append(child)
            await asyncio.sleep(self.args.pg_pause)
        finally:
            for proc in reversed(paused):
                with contextlib.suppress(psutil.Error):
                    proc.resume()
        result = await self._database_back("pg-pause", at, time.monotonic())
        result.details.update(paused_s=self.args.pg_pause, processes_paused=len(paused))
        return result

    async def pg_restart(self, at: str) -> FaultResult:
        pid = self.stack.pid("postgres")
        if pid is None:
            return FaultResult("pg-restart", at, False, None, {"error": "PostgreSQL is not ours"})
        os.kill(pid, signal.SIGINT)  # fast shutdown: every session is cut, nothing is lost
        stopped = time.monotonic()

        async def restarted() -> bool:
            new = self.stack.pid("postgres")
            return new is not None and new != pid and psutil.pid_exists(new)

        back = await wait_for(restarted, within=self.args.recovery_timeout, interval=0.05)
        result = await self._database_back("pg-restart", at, time.monotonic())
        result.details["postgres_back_s"] = _round(back)
        result.details["since_stop_s"] = _round(time.monotonic() - stopped)
        if back is None:
            result.recovered, result.recovery_s = False, None
        return result

    async def _database_back(self, fault: str, at: str, back_at: float) -> FaultResult:
        """Recovery from ``back_at``: every service ready, a ticket accepted, and flowing."""
        timeout = self.args.recovery_timeout
        ready = await wait_for(lambda: self.stack.all_ready(self.client), within=timeout)
        served = await wait_for(
            lambda: _true(self.load.accepted_since(back_at)), within=timeout, interval=0.05
        )
        served_s = None if served is None else time.monotonic() - back_at
        flowing = await self.flowing_after(back_at)
        took = None if ready is None or flowing is None else flowing
        details = {
            "services_ready_s": _round(ready),
            "next_ticket_accepted_after_s": _round(served_s),
            "flowing_after_s": _round(flowing),
        }
        return FaultResult(fault, at, took is not None, _round(took), details)

    # --- the pipeline flows again --------------------------------------------------------

    async def flowing_after(self, instant: float) -> float | None:
        """Seconds from ``instant`` until a ticket accepted after it has its dispatch task, or
        None after ``recovery_timeout``. (A few tickets have no task: any one of the first few
        accepted since then will do.)"""

        async def has_task() -> bool:
            candidates = [
                s for s in self.load.submissions if s.accepted_at and s.accepted_at > instant
            ][:8]
            for sub in candidates:
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    response = await self.client.get(
                        f"{self.stack.urls['dispatch']}/v1/tasks",
                        params={"ticket_id": sub.ticket_id},
                        headers=self.stack.headers("admin"),
                        timeout=2,
                    )
                    if response.status_code == 200 and response.json()["items"]:
                        return True
            return False

        took = await wait_for(has_task, within=self.args.recovery_timeout, interval=0.1)
        return None if took is None else time.monotonic() - instant

    # --- poison --------------------------------------------------------------------------

    async def poison(self, at: str) -> FaultResult:
        from aiokafka import AIOKafkaProducer

        run = uuid.uuid4().hex[:8]
        broken_schema = {
            "specversion": "1.0",
            "type": "pingan.intake.ticket.registered.v1",
            "id": str(uuid.uuid4()),
            "source": "chaos-drill",
            "data": {"ticket_id": "not-a-ticket"},
        }
        records = [b"\x00not json at all", json.dumps(broken_schema).encode()]
        keys = [f"chaos-poison-{run}-{i}" for i in range(len(records))]
        producer = AIOKafkaProducer(bootstrap_servers=self.stack.config.bootstrap_servers)
        await producer.start()
        try:
            for key, value in zip(keys, records, strict=True):
                await producer.send_and_wait(POISON_TOPIC, value, key=key.encode())
        finally:
            await producer.stop()
        sent = time.monotonic()
        self.poison_keys.extend(keys)

        async def all_dead_lettered() -> bool:
            held = await dead_letter_keys(self.stack, POISON_TOPIC)
            return all(set(keys) <= held.get(group, set()) for group in POISON_READERS)

        took = await wait_for(all_dead_lettered, within=self.args.recovery_timeout, interval=0.2)
        held = await dead_letter_keys(self.stack, POISON_TOPIC)
        details = {
            "records": len(records),
            "topic": POISON_TOPIC,
            "dead_lettered_by": {
                group: len(set(keys) & held.get(group, set())) for group in POISON_READERS
            },
            "after_s": _round(None if took is None else time.monotonic() - sent),
        }
        return FaultResult("poison", at, took is not None, _round(took), details)


async def dead_letter_keys(stack: Any, topic: str) -> dict[str, set[str]]:
    """The keys of the records in each group's dead-letter topic for ``topic``."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=stack.config.bootstrap_servers)
    await consumer.start()
    try:
        prefix = f"{topic}.dlq."
        names = sorted(t for t in await consumer.topics() if t.startswith(prefix))
        # All partitions before assigning any: an assignment narrows the metadata the client
        # keeps to the assigned topics.
        partitions = [
            TopicPartition(name, p)
            for name in names
            for p in consumer.partitions_for_topic(name) or ()  # None: just created
        ]
        held: dict[str, set[str]] = {name.removeprefix(prefix): set() for name in names}
        if not partitions:
            return held
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            batches = await consumer.getmany(timeout_ms=500)
            if not batches:
                break
            for partition, records in batches.items():
                group = partition.topic.removeprefix(prefix)
                held[group].update((r.key or b"").decode(errors="replace") for r in records)
        return held
    finally:
        await consumer.stop()


async def _true(value: bool) -> bool:
    return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
