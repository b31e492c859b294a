"""The generated role × area × route matrix and the PII scan over what it saw (issue 12).

One run per module: the platform, two townships' objects (world.py), then every route of every
service's OpenAPI document called by each caller (8 roles and a citizen in each of two
townships, each township's third-party key, no token) against the other township's objects, its
own, none, and objects that do not exist. Each test below asserts one kind of finding over that
one run, per service; ``KNOWN`` holds the findings that are real and not yet fixed, each as a
strict xfail that turns red once it is fixed.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import Platform
from tests.security import findings as f
from tests.security.conftest import TOTALS
from tests.security.matrix import SERVICES, Builder, Outcome, Route, callers, discover, plan, run
from tests.security.world import World, build_world

# Every finding of the last run, one a line (not committed), for a person to read.
REPORT = Path(__file__).resolve().parents[2] / ".run" / "security-findings.txt"
# Real findings not fixed yet: (kind, a regular expression over "service METHOD /path", reason).
# Each is a strict xfail below: it turns red once fixed, to be taken off this list.
KNOWN: list[tuple[str, str, str]] = []


@dataclass
class MatrixRun:
    world: World
    routes: list[Route]
    outcomes: list[Outcome]
    found: list[f.Finding]
    log_lines: list[str]


class _LogLines(logging.Handler):
    """Every log line of the platform's services while the matrix runs, rendered as the services
    write them (the JSON of the root handler's formatter, with structlog's key-value pairs)."""

    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        if formatter is not None:
            self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a line that cannot be rendered is kept raw, never dropped
            self.lines.append(f"{record.getMessage()} {record.args!r}")


@pytest.fixture(scope="module")
async def matrix(platform: Platform) -> MatrixRun:
    root = logging.getLogger()
    logs = _LogLines(next((h.formatter for h in root.handlers if h.formatter), None))
    root.addHandler(logs)
    try:
        return await _run_matrix(platform, logs.lines)
    finally:
        root.removeHandler(logs)


async def _run_matrix(platform: Platform, log_lines: list[str]) -> MatrixRun:
    world = await build_world(platform)
    apps = {name: getattr(platform, name).app for name in SERVICES}
    routes = discover(apps)
    builders = {name: Builder(world, app.openapi()) for name, app in apps.items()}
    everyone = callers(platform.stack.auth)
    started = time.monotonic()
    plans = plan(routes, everyone, builders)
    clients = {name: getattr(platform, name).client for name in SERVICES}
    outcomes = await run(plans, clients)
    took = time.monotonic() - started
    found = f.findings(outcomes, world) + f.pii(outcomes, world)
    statuses = Counter(o.status for o in outcomes)
    TOTALS.append(
        f"matrix: {len(routes)} routes × {len(everyone)} callers → {len(outcomes)} requests"
        f" in {took:.1f} s; statuses {dict(sorted(statuses.items()))}"
    )
    TOTALS.append(
        "matrix findings: "
        + (", ".join(f"{k} {len(v)}" for k, v in f.by_kind(found).items()) or "none")
    )
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(str(finding) for finding in found) + "\n")
    return MatrixRun(world, routes, outcomes, found, log_lines)


def _known(kind: str, finding: f.Finding) -> bool:
    return any(kind == k and re.search(route, finding.route) for k, route, _ in KNOWN)


@pytest.mark.parametrize("kind", f.KINDS)
@pytest.mark.parametrize("service", SERVICES)
async def test_the_matrix_finds_nothing(matrix: MatrixRun, service: str, kind: str) -> None:
    found = [
        finding
        for finding in matrix.found
        if finding.kind == kind
        and finding.route.startswith(f"{service} ")
        and not _known(kind, finding)
    ]
    shown = "\n".join(str(finding) for finding in found[:40])
    assert not found, f"{len(found)} {kind} findings on {service}:\n{shown}"


@pytest.mark.parametrize(
    ("kind", "route"),
    [
        pytest.param(kind, route, marks=pytest.mark.xfail(strict=True, reason=reason))
        for kind, route, reason in KNOWN
    ],
)
async def test_known_findings(matrix: MatrixRun, kind: str, route: str) -> None:
    assert not [x for x in matrix.found if x.kind == kind and re.search(route, x.route)]


async def test_the_matrix_reaches_every_route_and_the_area_checks(matrix: MatrixRun) -> None:
    """The matrix is only worth its totals if its requests get past validation: every route was
    called, and the other township's objects, seen by a county-wide reader, exist."""
    called = {o.route for o in matrix.outcomes}
    assert called == set(matrix.routes)
    services = {route.service for route in matrix.routes}
    assert services == set(SERVICES)
    # Each township's objects are real (a county-wide admin reads every one of them).
    for township in matrix.world.townships.values():
        assert len(township.markers) >= 12
    # Most cross-area writes must be refused by area or role, not for a malformed body.
    cross_writes = [o for o in matrix.outcomes if o.target == "cross" and o.route.method != "GET"]
    unprocessable = [o for o in cross_writes if o.status == 422]
    assert len(unprocessable) < len(cross_writes) / 4, Counter(
        o.route.label for o in unprocessable
    ).most_common(20)


async def test_no_log_line_holds_a_callers_clear_number(matrix: MatrixRun) -> None:
    """What the services logged while the world was built and every route called (errors with
    their tracebacks, warnings, SQL errors): none of the callers' clear phone or ID numbers,
    not even the ones a request carried itself."""
    assert len(matrix.log_lines) > 0, "the capture saw no log line at all"
    needles = matrix.world.all_clear
    leaked = [
        (needle, line[:300]) for line in matrix.log_lines for needle in needles if needle in line
    ]
    TOTALS.append(f"logs: {len(matrix.log_lines)} lines scanned, {len(leaked)} with a clear number")
    assert not leaked, leaked[:20]
