"""Benchmark notify: notifications/s through the in-app and the webhook paths, and the latency
from ``task.assigned`` to the in-app delivery.

1. In-app. A live-stream client (``GET /v1/stream``) for a bench unit is connected;
   ``task.assigned`` events for that unit are produced to ``dispatch.tasks.v1``, each stamped
   with its send time: ``--paced-events`` at ``--rate`` per second (latency at a steady load),
   then ``--events`` as fast as the producer goes (a burst: throughput, events / (last stream
   event received - first produced)). Latency per event: from the event's ``time`` to (a) the
   inbox item's creation (server side) and (b) the stream event's arrival at the client.
2. Webhooks. A local receiver (uvicorn on a free port) and a subscription to
   ``task.extension_requested`` (an event notify only forwards); ``--webhooks`` such events are
   produced. Throughput: deliveries received / (last received - first produced); latency from
   the event's ``time`` to the receiver.

Against the running local stack (``make run``: notify on :8005, the broker on :9092, the stack's
token keys), or with ``--standalone`` (also when the stack is not up): an embedded PostgreSQL,
a Tansu broker and notify served in this process, nothing else.

    uv run python scripts/bench_notify.py [--events 2000] [--webhooks 500] [--standalone] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer

from pingan_common.auth.dev_issuer import ensure_keys, issue_token
from pingan_common.events import TaskAssigned, TaskAssignedData
from pingan_common.events.dispatch import TaskExtensionRequested, TaskExtensionRequestedData
from pingan_common.events.topics import DISPATCH_TASKS

STACK_NOTIFY = "http://127.0.0.1:8005"
STACK_KAFKA = "127.0.0.1:9092"
BENCH_AREA = "331199"
WEBHOOK_TYPE = "pingan.dispatch.task.extension_requested.v1"


@dataclass
class Target:
    notify_url: str
    kafka: str
    keys_dir: Path
    issuer: str
    namespace: str = ""

    def token(self, role: str, *, unit: str | None, subject: str) -> str:
        return issue_token(
            self.keys_dir,
            subject=subject,
            name=subject,
            roles=[role],
            area=BENCH_AREA,
            unit=unit,
            issuer=self.issuer,
        )


# --- targets ---------------------------------------------------------------------------------


def stack_is_up() -> bool:
    try:
        return httpx.get(f"{STACK_NOTIFY}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.asynccontextmanager
async def stack_target() -> AsyncIterator[Target]:
    from pingan_common.devstack.config import ISSUER_URL
    from pingan_common.devstack.paths import RunPaths

    yield Target(STACK_NOTIFY, STACK_KAFKA, RunPaths.discover().keys, ISSUER_URL)


@contextlib.asynccontextmanager
async def standalone_target() -> AsyncIterator[Target]:
    """Embedded PostgreSQL + Tansu + notify in this process (no SMS, no intake needed)."""
    from pingan_common.auth.settings import AuthSettings
    from pingan_common.infra.ports import free_port
    from pingan_common.infra.postgres import EmbeddedPostgres
    from pingan_common.infra.tansu import TansuBroker
    from pingan_common.settings import KafkaSettings
    from pingan_notify.bootstrap import create_app
    from pingan_notify.settings import NotifySettings

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        keys = root / "keys"
        ensure_keys(keys)
        issuer = "http://bench.issuer"
        postgres = EmbeddedPostgres(root / "pg", port=free_port(), fast=True).start()
        broker = TansuBroker(port=free_port(), log_file=root / "tansu.log").start()
        try:
            await postgres.ensure_database("pingan_notify")
            settings = NotifySettings(
                database_url=postgres.url("pingan_notify"),
                kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers),
                auth=AuthSettings(issuer=issuer, jwks_file=str(keys / "jwks.json")),
                worker_poll_interval_ms=100,
                webhook_allow_private_targets=True,  # the receiver listens on loopback
            )
            async with serve(create_app(settings), lifespan="on") as url:
                yield Target(url, broker.bootstrap_servers, keys, issuer)
        finally:
            broker.stop()
            postgres.stop()


@contextlib.asynccontextmanager
async def serve(app: Any, *, lifespan: str = "off") -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port of this event loop."""
    sock = _bound_socket()
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)
        sock.close()


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


# --- the webhook receiver (its own thread and loop, like a remote system) ----------------


@dataclass
class Receiver:
    received: list[tuple[float, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self.lock:
            self.received.append((time.time(), body))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@contextlib.contextmanager
def receiver_in_thread(receiver: Receiver):  # type: ignore[no-untyped-def]
    sock = _bound_socket()
    server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


# --- events ----------------------------------------------------------------------------------


def assigned_event(unit_code: str) -> TaskAssigned:
    ticket_id, task_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    data = TaskAssignedData(
        task_id=task_id,
        ticket_id=ticket_id,
        ticket_number=f"QSBENCH{ticket_id.int % 10**9:09d}",
        unit_code=unit_code,
        unit_name="压测单位",
        area_code=BENCH_AREA,
        urgency="normal",
        rule_id="R-BENCH",
        reason="bench",
        assigned_at=now,
        accept_due_at=now + timedelta(hours=2),
        due_at=now + timedelta(days=5),
    )
    return TaskAssigned.create(data, subject=str(task_id), correlationid=str(ticket_id))


def extension_event() -> TaskExtensionRequested:
    ticket_id, task_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    data = TaskExtensionRequestedData(
        task_id=task_id,
        ticket_id=ticket_id,
        ticket_number=f"QSBENCH{ticket_id.int % 10**9:09d}",
        unit_code="331199-BENCH",
        area_code=BENCH_AREA,
        actor="bench",
        occurred_at=now,
        current_due_at=now + timedelta(days=1),
        requested_due_at=now + timedelta(days=3),
        reason="bench",
    )
    return TaskExtensionRequested.create(data, subject=str(task_id), correlationid=str(ticket_id))


async def produce(target: Target, events: list[Any], rate: float | None = None) -> float:
    """Produce every event (acks=all), as fast as possible or ``rate`` per second, each stamped
    with its send time; returns when the first was handed to the producer."""
    producer = AIOKafkaProducer(bootstrap_servers=target.kafka, acks="all", linger_ms=5)
    await producer.start()
    try:
        started = time.time()
        pending = []
        for n, event in enumerate(events):
            if rate:
                await asyncio.sleep(max(0.0, started + n / rate - time.time()))
            stamped = event.model_copy(update={"time": datetime.now(UTC)})
            pending.append(
                await producer.send(
                    f"{target.namespace}{DISPATCH_TASKS}",
                    stamped.to_json_bytes(),
                    key=event.subject.encode(),
                )
            )
        await asyncio.gather(*pending)
        return started
    finally:
        await producer.stop()


# --- measurements --------------------------------------------------------------------------


async def bench_in_app(target: Target, count: int, rate: float | None = None) -> dict[str, Any]:
    unit = f"331199-BENCH{uuid.uuid4().hex[:6].upper()}"
    token = target.token("handler", unit=unit, subject=f"bench-{unit}")
    events = [assigned_event(unit) for _ in range(count)]
    arrivals: list[tuple[float, dict[str, Any]]] = []
    connected = asyncio.Event()

    async def listen() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream("GET", f"{target.notify_url}/v1/stream", headers=headers) as response,
        ):
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    connected.set()
                elif line.startswith("data:"):
                    arrivals.append((time.time(), json.loads(line[5:])))
                    if len(arrivals) >= count:
                        return

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(connected.wait(), 10)
    started = await produce(target, events, rate)
    try:
        await asyncio.wait_for(listener, timeout=max(60, count / 20))
    except TimeoutError:
        listener.cancel()
    if not arrivals:
        raise RuntimeError("no notification arrived on the stream")
    last = arrivals[-1][0]
    to_stream = [
        (at - datetime.fromisoformat(item["trigger_time"]).timestamp()) * 1000
        for at, item in arrivals
    ]
    to_inbox = [
        (
            datetime.fromisoformat(item["created_at"])
            - datetime.fromisoformat(item["trigger_time"])
        ).total_seconds()
        * 1000
        for _, item in arrivals
    ]
    return {
        "events": count,
        "received": len(arrivals),
        "seconds": round(last - started, 3),
        "per_second": round(len(arrivals) / (last - started), 1),
        "to_inbox_ms": summary(to_inbox),
        "to_stream_ms": summary(to_stream),
    }


async def bench_webhooks(target: Target, count: int) -> dict[str, Any]:
    receiver = Receiver()
    admin = target.token("admin", unit=None, subject="bench-admin")
    headers = {"Authorization": f"Bearer {admin}"}
    with receiver_in_thread(receiver) as url:
        async with httpx.AsyncClient(base_url=target.notify_url, headers=headers) as client:
            created = await client.post(
                "/v1/webhooks/subscriptions",
                json={
                    "name": "bench",
                    "url": f"{url}/hook",
                    "secret": "bench-secret-0123456789",
                    "event_types": [WEBHOOK_TYPE],
                },
            )
            created.raise_for_status()
            subscription = created.json()["id"]
            try:
                events = [extension_event() for _ in range(count)]
                ids = {str(e.id) for e in events}
                started = await produce(target, events)
                times = {str(e.id): started for e in events}
                ours: list[tuple[float, bytes]] = []
                deadline = time.time() + max(60, count / 10)
                while time.time() < deadline:
                    with receiver.lock:
                        ours = [(at, body) for at, body in receiver.received]
                    if len({json.loads(b)["id"] for _, b in ours} & ids) >= count:
                        break
                    await asyncio.sleep(0.05)
            finally:
                await client.delete(f"/v1/webhooks/subscriptions/{subscription}")
    bodies = [(at, json.loads(body)) for at, body in ours]
    arrivals = [(at, b["id"]) for at, b in bodies if b["id"] in ids]
    times = {b["id"]: datetime.fromisoformat(b["time"]).timestamp() for _, b in bodies}
    if not arrivals:
        raise RuntimeError("no webhook delivery arrived")
    last = max(at for at, _ in arrivals)
    return {
        "events": count,
        "received": len({event_id for _, event_id in arrivals}),
        "seconds": round(last - started, 3),
        "per_second": round(len(arrivals) / (last - started), 1),
        "to_receiver_ms": summary([(at - times[i]) * 1000 for at, i in arrivals]),
    }


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": round(ordered[-1], 1),
    }


def markdown(results: dict[str, Any]) -> str:
    in_app, paced, hooks = results["in_app"], results["in_app_paced"], results["webhooks"]
    lines = [
        f"notify benchmark ({results['target']})",
        "",
        "| path | events | delivered | notifications/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rate = results["rate"]
    rows = [
        ("in-app burst: task.assigned → inbox item", in_app, in_app["to_inbox_ms"]),
        ("in-app burst: task.assigned → SSE client", in_app, in_app["to_stream_ms"]),
        (f"in-app at {rate:g}/s: task.assigned → inbox item", paced, paced["to_inbox_ms"]),
        (f"in-app at {rate:g}/s: task.assigned → SSE client", paced, paced["to_stream_ms"]),
        ("webhook burst: event → receiver", hooks, hooks["to_receiver_ms"]),
    ]
    for name, run, latency in rows:
        lines.append(
            f"| {name} | {run['events']} | {run['received']} | {run['per_second']} | "
            f"{latency['p50']} | {latency['p95']} | {latency['p99']} | {latency['max']} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    standalone = args.standalone or not stack_is_up()
    target_cm = standalone_target() if standalone else stack_target()
    async with target_cm as target:
        results = {
            "target": "standalone (embedded PostgreSQL + Tansu)" if standalone else "local stack",
            "rate": args.rate,
            "in_app_paced": await bench_in_app(target, args.paced_events, args.rate),
            "in_app": await bench_in_app(target, args.events),
            "webhooks": await bench_webhooks(target, args.webhooks),
        }
    print(json.dumps(results, indent=2) if args.json else markdown(results))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="task.assigned events")
    parser.add_argument("--webhooks", type=int, default=500, help="webhook-only events")
    parser.add_argument("--paced-events", type=int, default=300, help="for the latency run")
    parser.add_argument("--rate", type=float, default=20.0, help="events/s of the latency run")
    parser.add_argument("--standalone", action="store_true", help="don't use the local stack")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sys.exit(asyncio.run(main(parser.parse_args())))
