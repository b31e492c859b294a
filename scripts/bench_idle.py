"""Idle cost of the running local stack, and the latency of the first ticket after a lull.

For each window: the CPU time (utime + stime from /proc/<pid>/stat, children's included once
they are reaped) of every process of the stack — the five services, PostgreSQL with all its
backends, Tansu, the token issuer, the SMS gateway simulator and the supervisor — over
``--seconds`` with no request at all; then one ticket is posted and the time until dispatch lists
its task is measured (the first event after the lull, through intake's outbox, the broker and
dispatch's consumer). A few back-to-back tickets follow for comparison (warm latency).

    uv run python scripts/bench_idle.py [--seconds 30] [--windows 3] [--json]

Results go to .run/bench/idle.json (not committed); docs/performance.md cites them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from bench_intake import ticket_bodies, token

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
INTAKE = "http://127.0.0.1:8001"
DISPATCH = "http://127.0.0.1:8002"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BODIES = ticket_bodies(seed=int(time.time()), duplicates=False)


# --- process CPU ----------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, CPU seconds: utime + stime) of a live process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command may contain spaces and parentheses: the fields start after the last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
    return ppid, (utime + stime) / CLOCK_TICKS


def _tree(root: int) -> dict[int, float]:
    """CPU seconds of ``root`` and every descendant, by pid."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)], cpu[int(entry.name)] = stat
    members = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grew = True
    return {pid: cpu[pid] for pid in members if pid in cpu}


def components(stack: dict) -> dict[str, int]:
    """Component name → the pid at the top of its process tree."""
    named = {"supervisor": stack["pid"]}
    for name in ("postgres", "kafka", "issuer", "sms_gateway"):
        part = stack.get(name) or {}
        if part.get("pid"):
            named["tansu" if name == "kafka" else name] = part["pid"]
    for name, service in (stack.get("services") or {}).items():
        if service.get("pid"):
            named[name] = service["pid"]
    return named


def _sample(named: dict[str, int]) -> dict[str, dict[int, float]]:
    """Each component's process tree; the supervisor's is itself alone (its children are the
    other components)."""
    sampled = {name: _tree(pid) for name, pid in named.items() if name != "supervisor"}
    supervisor = _stat(named["supervisor"])
    sampled["supervisor"] = {named["supervisor"]: supervisor[1] if supervisor else 0.0}
    return sampled


def kafka_environment(pid: int) -> dict[str, str]:
    """The PINGAN_KAFKA_* variables a service runs with (unset ones take the defaults)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {key: value for key, _, value in pairs if key.startswith("PINGAN_KAFKA_")}


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two samples; a process born in between counts from zero."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


async def idle_window(named: dict[str, int], seconds: float) -> dict[str, float]:
    """Percent of one core each component used over ``seconds`` with nothing sent."""
    before, started = _sample(named), time.monotonic()
    await asyncio.sleep(seconds)
    after, elapsed = _sample(named), time.monotonic() - started
    usage = {name: round(100 * _used(before[name], after[name]) / elapsed, 2) for name in named}
    usage["total"] = round(sum(usage.values()), 2)
    return usage


# --- latency after a lull -------------------------------------------------------------------


def _opens_task(ticket: dict) -> bool:
    return "task" in ticket.get("dispositions", []) and ticket.get("status") != "merged"


async def post_to_task(client: httpx.AsyncClient, headers: dict) -> float:
    """Seconds from sending one POST until dispatch lists its task (polled every 5 ms)."""
    while True:
        started = time.perf_counter()
        response = await client.post(f"{INTAKE}/v1/tickets", json=next(BODIES), headers=headers)
        response.raise_for_status()
        ticket = response.json()
        if _opens_task(ticket):
            break
    deadline = started + 30
    while time.perf_counter() < deadline:
        tasks = await client.get(
            f"{DISPATCH}/v1/tasks", params={"ticket_id": ticket["id"]}, headers=headers
        )
        if tasks.json()["items"]:
            return time.perf_counter() - started
        await asyncio.sleep(0.005)
    raise RuntimeError(f"ticket {ticket['id']} got no task within 30 s")


def _ms(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {
        "median": round(statistics.median(ms), 1),
        "min": round(ms[0], 1),
        "max": round(ms[-1], 1),
    }


async def main(args: argparse.Namespace) -> dict:
    stack = json.loads((RUN_DIR / "stack.json").read_text())
    if stack.get("status") != "ready":
        raise SystemExit("the stack is not ready (make up)")
    named = components(stack)
    headers = {"Authorization": f"Bearer {token('dispatcher')}"}
    windows, after_lull, warm = [], [], []
    async with httpx.AsyncClient(timeout=30) as client:
        # Warm the connections and whatever a first request loads, then let the stack settle.
        await post_to_task(client, headers)
        await asyncio.sleep(args.settle)
        for number in range(args.windows):
            windows.append(await idle_window(named, args.seconds))
            after_lull.append(await post_to_task(client, headers))
            print(
                f"window {number + 1}/{args.windows}: idle total {windows[-1]['total']}% of a "
                f"core, first ticket after the lull {after_lull[-1] * 1000:.0f} ms",
                file=sys.stderr,
            )
        for _ in range(args.warm):
            warm.append(await post_to_task(client, headers))
    per_component = {
        name: {
            "median_pct": round(statistics.median(w[name] for w in windows), 2),
            "max_pct": max(w[name] for w in windows),
        }
        for name in [*named, "total"]
    }
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "window_s": args.seconds,
        "windows": windows,
        "idle_cpu_pct_of_one_core": per_component,
        "post_to_task_after_lull_ms": {"samples": [round(s * 1000, 1) for s in after_lull]}
        | _ms(after_lull),
        "post_to_task_warm_ms": _ms(warm) if warm else None,
        "kafka_environment": kafka_environment(named.get("intake", stack["pid"])),
    }


def report(results: dict) -> str:
    lines = [f"idle CPU over {results['window_s']:.0f} s windows, percent of one core:"]
    for name, figures in results["idle_cpu_pct_of_one_core"].items():
        lines.append(
            f"  {name:<12} median {figures['median_pct']:6.2f}%   max {figures['max_pct']:6.2f}%"
        )
    lull = results["post_to_task_after_lull_ms"]
    lines.append(
        f"POST -> task assigned after a {results['window_s']:.0f} s lull: "
        f"median {lull['median']} ms, max {lull['max']} ms (samples {lull['samples']})"
    )
    if results["post_to_task_warm_ms"]:
        warm = results["post_to_task_warm_ms"]
        lines.append(f"POST -> task assigned, back to back: median {warm['median']} ms")
    return "\n".join(lines)


def write_result(out: Path, outcome: dict) -> None:
    """The results as JSON at ``out`` (its folder made if needed), said on stderr."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(outcome, indent=2) + "\n")
    print(f"written to {out}", file=sys.stderr)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of each idle window")
    parser.add_argument("--windows", type=int, default=3, help="idle windows, each then a ticket")
    parser.add_argument("--warm", type=int, default=10, help="back-to-back tickets at the end")
    parser.add_argument("--settle", type=float, default=5, help="seconds before the first window")
    parser.add_argument("--json", action="store_true", help="print the JSON instead")
    parser.add_argument("--out", type=Path, default=RUN_DIR / "bench" / "idle.json")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    outcome = asyncio.run(main(arguments))
    write_result(arguments.out, outcome)
    print(json.dumps(outcome, indent=2) if arguments.json else report(outcome))
