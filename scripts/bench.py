"""Benchmark the running local stack (``make bench`` starts it if needed).

1. Latency: tickets posted one at a time; for each, the time from sending the POST until the
   dispatch service lists the assigned task (polled every 5 ms), and the server-side interval
   between the ticket's ``registered`` and ``task_assigned`` timeline entries.
2. Throughput: N tickets posted with C concurrent clients; tickets accepted per second at intake,
   then the time until every one has its task assigned (the whole pipeline drained).

    uv run python scripts/bench.py --latency-runs 30 --tickets 2000 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import datetime

import httpx
from bench_intake import ticket_bodies, token

INTAKE = "http://127.0.0.1:8001"
DISPATCH = "http://127.0.0.1:8002"
# Distinct matters at places spread over the county, so none merges into another (a merged
# call opens no task, and this benchmark waits for tasks).
BODIES = ticket_bodies(seed=int(time.time()), duplicates=False)


def _opens_task(ticket: dict) -> bool:
    return "task" in ticket.get("dispositions", []) and ticket.get("status") != "merged"


async def latency(client: httpx.AsyncClient, runs: int, headers: dict) -> dict:
    observed, server_side = [], []
    while len(observed) < runs:
        started = time.perf_counter()
        body = next(BODIES)
        ticket = (await client.post(f"{INTAKE}/v1/tickets", json=body, headers=headers)).json()
        if not _opens_task(ticket):
            continue
        while True:
            tasks = await client.get(
                f"{DISPATCH}/v1/tasks", params={"ticket_id": ticket["id"]}, headers=headers
            )
            if tasks.json()["items"]:
                break
            await asyncio.sleep(0.005)
        observed.append(time.perf_counter() - started)
        server_side.append(await _timeline_interval(client, ticket["id"], headers))
    return {
        "runs": runs,
        "observed_ms": _summary(observed),
        "server_side_ms": _summary(server_side),
    }


async def _timeline_interval(client: httpx.AsyncClient, ticket_id: str, headers: dict) -> float:
    for _ in range(400):
        entries = (await client.get(f"{INTAKE}/v1/tickets/{ticket_id}", headers=headers)).json()
        at = {e["step"]: datetime.fromisoformat(e["at"]) for e in entries["timeline"]}
        if "task_assigned" in at:
            return (at["task_assigned"] - at["registered"]).total_seconds()
        await asyncio.sleep(0.01)
    raise RuntimeError(f"ticket {ticket_id} never showed task_assigned in its timeline")


async def throughput(client: httpx.AsyncClient, tickets: int, concurrency: int, headers: dict):
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(tickets):
        queue.put_nowait(number)
    ids: list[str] = []
    errors = without_task = 0

    async def worker() -> None:
        nonlocal errors, without_task
        while not queue.empty():
            queue.get_nowait()
            response = await client.post(f"{INTAKE}/v1/tickets", json=next(BODIES), headers=headers)
            if response.status_code != 201:
                errors += 1
            elif _opens_task(response.json()):
                ids.append(response.json()["id"])
            else:
                without_task += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    posted = time.perf_counter() - started
    await _wait_until_assigned(client, ids, headers)
    drained = time.perf_counter() - started
    return {
        "tickets": tickets,
        "concurrency": concurrency,
        "errors": errors,
        "intake_tickets_per_s": round((len(ids) + without_task) / posted, 1),
        "tickets_with_a_task": len(ids),
        "pipeline_tasks_per_s": round(len(ids) / drained, 1),
        "all_assigned_after_s": round(drained, 2),
    }


async def _wait_until_assigned(client: httpx.AsyncClient, ids: list[str], headers: dict) -> None:
    pending = set(ids)
    deadline = time.perf_counter() + 600
    while pending and time.perf_counter() < deadline:
        last = ids[-1]
        response = await client.get(
            f"{DISPATCH}/v1/tasks", params={"ticket_id": last}, headers=headers
        )
        if response.json()["items"]:
            # The last ticket's task exists; confirm every earlier one in one sweep.
            pending = {t for t in pending if not await _has_task(client, t, headers)}
        else:
            await asyncio.sleep(0.05)
    if pending:
        raise RuntimeError(f"{len(pending)} tickets without a task after 600 s")


async def _has_task(client: httpx.AsyncClient, ticket_id: str, headers: dict) -> bool:
    response = await client.get(
        f"{DISPATCH}/v1/tasks", params={"ticket_id": ticket_id}, headers=headers
    )
    return bool(response.json()["items"])


def _summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "median": round(statistics.median(ms), 1),
        "p95": round(ms[max(0, int(len(ms) * 0.95) - 1)], 1),
        "min": round(ms[0], 1),
        "max": round(ms[-1], 1),
    }


async def main(args: argparse.Namespace) -> None:
    headers = {"Authorization": f"Bearer {token('dispatcher')}"}
    limits = httpx.Limits(max_connections=args.concurrency + 4)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        results = {"latency": await latency(client, args.latency_runs, headers)}
        results["throughput"] = await throughput(client, args.tickets, args.concurrency, headers)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-runs", type=int, default=30)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(main(parser.parse_args()))
