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

The bodies are varied (16 kinds of matter, points spread evenly over the county's grids, a new
caller each) with ~5% second callers about a recent matter at its spot (并单) and ~3% callers
calling again (重复来电); every request carries its own Idempotency-Key. Intake serves with
``PINGAN_INTAKE_WORKERS`` processes (default 1; 2 uses both cores), e.g.
``PINGAN_INTAKE_WORKERS=2 PINGAN_STACK_SERVICES=intake python -m pingan_common.devstack up``.
``--url`` benchmarks another intake; ``--skip-baseline`` leaves out the raw inserts.

Prints a Markdown table; ``--json`` prints the figures as JSON instead.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import httpx

DEFAULT_INTAKE = "http://127.0.0.1:8001"
SCRATCH_TABLE = "bench_intake_raw_tickets"
# A mix like a day's calls over many subcategories; {road} and {n} make each text its own.
DESCRIPTIONS = [
    "{road}的路灯坏了好几天了，晚上很黑，麻烦尽快修一下（{n}）",
    "{road}旁边工地半夜还在施工，噪音太大睡不着（{n}）",
    "{road}小区门口垃圾堆了三天没人清运，味道很大（{n}）",
    "楼上邻居天天半夜拖椅子，沟通了几次都没用，住在{road}（{n}）",
    "请问在{road}附近办理居住证需要带什么材料（{n}）",
    "{road}的下水道堵了，污水漫到路面上（{n}）",
    "{road}有人占道摆摊，把人行道都堵死了（{n}）",
    "{road}那边好像有燃气味，不知道是不是漏气（{n}）",
    "{road}的公司拖欠我们三个月工资了，老板一直不露面（{n}）",
    "{road}路面塌了一个大坑，电动车差点摔倒（{n}）",
    "{road}小区停水一整天了也没有通知（{n}）",
    "{road}有家餐馆油烟直排，整栋楼都是油烟味（{n}）",
    "{road}的红绿灯坏了，路口车很乱（{n}）",
    "{road}一带有人遛狗不牵绳，小孩被吓到了（{n}）",
    "我想咨询一下{road}附近哪里可以办社保卡（{n}）",
    "{road}那个小区物业不作为，电梯坏了一周没人修（{n}）",
]
ROADS = ["人民路", "解放街", "中山路", "东湖路", "滨江路", "湖滨路", "南山路", "创业大道"]
# Realistic duplicates: another caller about a matter just reported at the same spot (并单
# candidates), and the same caller calling again about their matter (重复来电).
MERGE_SHARE = 0.05
REPEAT_SHARE = 0.03


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


def ticket_bodies(seed: int | None = None, *, duplicates: bool = True) -> Iterator[dict]:
    """Endless varied bodies: texts over many subcategories, points spread over the county's
    grids, a new caller each, plus (with ``duplicates``) ~5% second callers about a recent
    matter at its spot and ~3% callers calling again."""
    rng = random.Random(seed)
    merge_share, repeat_share = (MERGE_SHARE, REPEAT_SHARE) if duplicates else (0.0, 0.0)
    spots = _grid_points()
    phone_base = rng.randrange(10_000_000, 90_000_000)
    recent: list[dict] = []
    for n in itertools.count():
        draw = rng.random()
        if recent and draw < merge_share:
            earlier = rng.choice(recent)
            body = {**earlier, "caller": {"name": "测试", "phone": _phone(phone_base, n)}}
        elif recent and draw < merge_share + repeat_share:
            body = dict(rng.choice(recent))
        else:
            text = rng.choice(DESCRIPTIONS).format(road=rng.choice(ROADS), n=n)
            lon, lat = rng.choice(spots)
            body = {
                "channel": "hotline_12345",
                "description": text,
                "caller": {"name": "测试", "phone": _phone(phone_base, n)},
                "location": {"lon": lon, "lat": lat},
            }
            recent = [*recent[-199:], body]
        yield body


def _phone(base: int, n: int) -> str:
    return f"139{(base + n) % 100_000_000:08d}"


def _grid_points(count: int = 20_000, seed: int = 7) -> list[tuple[float, float]]:
    """Points spread evenly over the county's grids (uniform inside each polygon), so that two
    unrelated calls are rarely a few hundred metres apart."""
    from shapely.geometry import Point, shape

    from pingan_common.refdata import load_county

    rng = random.Random(seed)
    grids = [shape(grid.geometry) for grid in load_county().grids]
    weights = [grid.area for grid in grids]
    points: list[tuple[float, float]] = []
    while len(points) < count:
        grid = rng.choices(grids, weights)[0]
        west, south, east, north = grid.bounds
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if grid.contains(Point(lon, lat)):
            points.append((round(lon, 6), round(lat, 6)))
    return points


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000}


async def registration(url: str, seconds: float, concurrency: int, headers: dict) -> dict:
    bodies = ticket_bodies()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    outcomes = {True: 0, False: 0, "repeat": 0}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                # Each request its own Idempotency-Key, as the operators' client sends one.
                key = {"Idempotency-Key": uuid.uuid4().hex}
                started = time.perf_counter()
                response = await client.post("/v1/tickets", json=next(bodies), headers=key)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 201:
                    ticket = response.json()
                    outcomes[ticket["status"] == "merged"] += 1
                    outcomes["repeat"] += ticket["repeat_count"] > 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    created = statuses.get(201, 0)
    merged, repeats = outcomes[True], outcomes["repeat"]
    return {
        "requests": len(latencies),
        "created": created,
        "merged": merged,
        "repeats": repeats,
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


async def classify_latency(url: str, runs: int, headers: dict) -> dict:
    bodies = ticket_bodies()
    latencies = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(runs):
            text = next(bodies)["description"]
            started = time.perf_counter()
            response = await client.post("/v1/classify", json={"text": text, "channel": "web"})
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
    return {"requests": runs, **percentiles(latencies)}


async def main(args: argparse.Namespace) -> dict:
    headers = {"Authorization": f"Bearer {args.token or token('operator')}"}
    await classify_latency(args.url, 20, headers)  # warm the connections
    results = {
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "registration": await registration(args.url, args.seconds, args.concurrency, headers),
        "baseline": (
            {"rows": 0, "per_second": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
            if args.skip_baseline
            else await baseline(args.seconds, args.concurrency, args.dsn or database_dsn())
        ),
        "classify": await classify_latency(args.url, args.classify_runs, headers),
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
        f"HTTP statuses: {reg['statuses']}; merged at registration: {reg['merged']}, "
        f"repeat calls: {reg['repeats']}",
    ]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--classify-runs", type=int, default=500)
    parser.add_argument("--url", default=DEFAULT_INTAKE, help="intake's base URL")
    parser.add_argument("--skip-baseline", action="store_true", help="service figures only")
    parser.add_argument("--token", help="bearer token of an operator (default: ask the devstack)")
    parser.add_argument("--dsn", help="PostgreSQL DSN of the intake database (asyncpg form)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    figures = asyncio.run(main(arguments))
    print(json.dumps(figures, indent=2) if arguments.json else markdown(figures))
