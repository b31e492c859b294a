"""Intake benchmark against a running stack (intake on 127.0.0.1:8001; ``make up`` starts it).

1. Registration: C concurrent clients POST /v1/tickets for S seconds — each ticket is classified,
   located (grid lookup by point), put through the duplicate gate and written with its outbox
   row. Tickets per second and client-observed p50/p99 latency.
2. Baseline, in the same run: raw asyncpg inserts of rows shaped like those tickets into a
   scratch copy of the ``tickets`` table (same columns and indexes), one transaction per row, C
   connections, for the same S seconds, on the DSN intake uses (PINGAN_INTAKE_DATABASE_URL, else
   the local stack's). Rows per second and the ratio: what the service costs above the database.
3. POST /v1/classify: p50/p99 over sequential requests (nothing is written).

    uv run python scripts/bench_intake.py --seconds 20 --concurrency 16 [--json]

Prints a Markdown table; ``--json`` prints the figures as JSON instead.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx

INTAKE = "http://127.0.0.1:8001"
SCRATCH_TABLE = "bench_intake_raw_tickets"
# A mix like a day's calls: street lights, noise, garbage, disputes, consultations, a gas smell.
DESCRIPTIONS = [
    "{road}的路灯坏了好几天了，晚上很黑，麻烦尽快修一下",
    "{road}旁边工地半夜还在施工，噪音太大睡不着",
    "{road}小区门口垃圾堆了三天没人清运，味道很大",
    "楼上邻居天天半夜拖椅子，沟通了几次都没用，{road}",
    "请问在{road}附近办理居住证需要带什么材料",
    "{road}的下水道堵了，污水漫到路面上",
    "{road}有人占道摆摊，把人行道都堵死了",
    "{road}那边好像有燃气味，不知道是不是漏气",
]
ROADS = ["人民路", "解放街", "中山路", "东湖路", "滨江路", "湖滨路", "南山路", "创业大道"]


def token(role: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "pingan_common.devstack", "token", "--role", role],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def database_dsn() -> str:
    from pingan_intake.settings import IntakeSettings

    return IntakeSettings().database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def ticket_bodies() -> itertools.cycle:
    """Varied bodies: different texts, callers and points ~600 m apart inside the county."""
    bodies = []
    for n in range(4000):
        text = DESCRIPTIONS[n % len(DESCRIPTIONS)].format(road=ROADS[n % len(ROADS)])
        bodies.append(
            {
                "channel": "hotline_12345",
                "description": f"{text}（{n}）",
                "caller": {"name": "测试", "phone": f"139{n:08d}"},
                "location": {
                    "lon": round(119.70 + (n % 40) * 0.006, 6),
                    "lat": round(28.06 + (n // 40 % 30) * 0.006, 6),
                },
            }
        )
    return itertools.cycle(bodies)


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000}


async def registration(seconds: float, concurrency: int, headers: dict) -> dict:
    bodies = ticket_bodies()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=INTAKE, headers=headers, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post("/v1/tickets", json=next(bodies))
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    created = statuses.get(201, 0)
    return {
        "requests": len(latencies),
        "created": created,
        "statuses": statuses,
        "per_second": created / elapsed,
        **percentiles(latencies),
    }


async def baseline(seconds: float, concurrency: int, dsn: str) -> dict:
    """Raw inserts of ticket-shaped rows, one transaction each, into a scratch table."""
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        async with pool.acquire() as connection:
            await connection.execute(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}")
            await connection.execute(
                f"CREATE TABLE {SCRATCH_TABLE} (LIKE tickets INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
        # The columns both sides know; any others keep their defaults.
        columns = [c for c in await _columns(pool) if c in _row(next(ticket_bodies()))]
        insert = (
            f"INSERT INTO {SCRATCH_TABLE} ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'${i + 1}' for i in range(len(columns)))})"
        )
        bodies = ticket_bodies()
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            async with pool.acquire() as connection:
                statement = await connection.prepare(insert)
                while time.perf_counter() < deadline:
                    row = _row(next(bodies))
                    started = time.perf_counter()
                    async with connection.transaction():
                        await statement.fetch(*(row[c] for c in columns))
                    latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        async with pool.acquire() as connection:
            await connection.execute(f"DROP TABLE {SCRATCH_TABLE}")
    finally:
        await pool.close()
    rate = len(latencies) / elapsed
    return {"rows": len(latencies), "per_second": rate, **percentiles(latencies)}


async def _columns(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1"
        " ORDER BY ordinal_position",
        SCRATCH_TABLE,
    )
    return [row["column_name"] for row in rows]


_numbers = itertools.count(1)


def _row(body: dict) -> dict:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "ticket_number": f"BENCH{next(_numbers):012d}",
        "channel": body["channel"],
        "status": "registered",
        "description": body["description"],
        "caller_name": body["caller"]["name"],
        "caller_phone": body["caller"]["phone"],
        "caller_id_number": None,
        "address": None,
        "lon": body["location"]["lon"],
        "lat": body["location"]["lat"],
        "grid_code": "33119900100101",
        "village_code": "331199001001",
        "township_code": "331199001",
        "area_code": "33119900100101",
        "location_resolved": True,
        "category_group": "city_service",
        "category_code": "street_light",
        "category_label": "路灯故障",
        "urgency": "normal",
        "disposition": "task",
        "dispositions": ["task"],
        "risk_level": None,
        "external_ref": None,
        "external_received_at": None,
        "attachments": "[]",
        "classifier_confidence": 0.9,
        "reported_at": now,
        "registered_at": now,
        "registered_by": "bench",
        "updated_at": now,
        "closed_at": None,
        "resolution": None,
    }


async def classify_latency(runs: int, headers: dict) -> dict:
    bodies = ticket_bodies()
    latencies = []
    async with httpx.AsyncClient(base_url=INTAKE, headers=headers, timeout=30) as client:
        for _ in range(runs):
            text = next(bodies)["description"]
            started = time.perf_counter()
            response = await client.post("/v1/classify", json={"text": text, "channel": "web"})
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
    return {"requests": runs, **percentiles(latencies)}


async def main(args: argparse.Namespace) -> dict:
    headers = {"Authorization": f"Bearer {args.token or token('operator')}"}
    await classify_latency(20, headers)  # warm the connections
    results = {
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "registration": await registration(args.seconds, args.concurrency, headers),
        "baseline": await baseline(args.seconds, args.concurrency, args.dsn or database_dsn()),
        "classify": await classify_latency(args.classify_runs, headers),
    }
    base = results["baseline"]["per_second"]
    results["ratio"] = results["registration"]["per_second"] / base if base else None
    return results


def markdown(results: dict) -> str:
    reg, base, cls = results["registration"], results["baseline"], results["classify"]
    ratio = results["ratio"]
    lines = [
        f"Intake benchmark: {results['concurrency']} concurrent clients, "
        f"{results['seconds']:.0f} s each",
        "",
        "| measure | per second | p50 | p99 |",
        "|---|---|---|---|",
        f"| POST /v1/tickets (classify, grid, duplicates, outbox) | {reg['per_second']:.0f} | "
        f"{reg['p50_ms']:.1f} ms | {reg['p99_ms']:.1f} ms |",
        f"| raw asyncpg INSERT of the same rows (baseline) | {base['per_second']:.0f} | "
        f"{base['p50_ms']:.1f} ms | {base['p99_ms']:.1f} ms |",
        f"| POST /v1/classify (sequential) | – | {cls['p50_ms']:.1f} ms | {cls['p99_ms']:.1f} ms |",
        "",
        f"Service / baseline throughput: {ratio:.2f}" if ratio else "",
        f"HTTP statuses: {reg['statuses']}",
    ]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--classify-runs", type=int, default=500)
    parser.add_argument("--token", help="bearer token of an operator (default: ask the devstack)")
    parser.add_argument("--dsn", help="PostgreSQL DSN of the intake database (asyncpg form)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    figures = asyncio.run(main(arguments))
    print(json.dumps(figures, indent=2) if arguments.json else markdown(figures))
