"""No page or call of the console shows data outside the user's role and area: generated over
every GET route of the console's app, as users of township A (城关, 331199001) asking with the
ids and numbers of township B's objects (331199002).

The objects of both townships are made through the real flows (tests/security's world: a
ticket and its task, a dispute and its case, a threat and its alert, a key person, a stability
assessment), plus in each township's grid a 核查 task, a key person due for a visit (走访) and
a ticket whose text names its own township. The routes come from the app itself, so a page
added later is asked too; a path or query parameter this test has no value for fails it, so
the new page gets one.

Each answer must be below 500 and carry none of B's markers (its objects' ids and numbers, its
callers' clear numbers, its own texts) except the value the request itself carried. As a
control, each user also asks with A's values, and must see A's markers somewhere: the test
would see B's data if it were there.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.routing import APIRoute

from pingan_common.testing.services import eventually
from pingan_console.dispatch.queues import QUEUES
from pingan_console.grid.routes import VIEWS
from pingan_console.mediation.views import STATE_FILTERS
from pingan_console.unit.inbox import TABS
from tests.browser.conftest import DEMO_PASSWORD, ConsoleSite
from tests.e2e.conftest import Platform
from tests.security.world import GRIDS, World, build_world, phones

A, B = "331199001", "331199002"
# Township A's users: the demo staff scoped to it, and the test-only township-scoped roles the
# demo county has only county-wide (conftest.TOWNSHIP_USERS).
USERS = (
    "handler1",  # 城关 综治中心 (unit 331199001-ZZ)
    "grid_worker1",  # grid 33119900100101
    "mediator1",  # village committee 331199001001-TWH
    "mediator2",  # township 调委会 331199001-TC
    "leader2",  # 城关 leader on duty
    "operator_cg",
    "dispatcher_cg",
    "analyst_cg",
)
# The live stream is read for this long per user (it never ends by itself).
STREAM_SECONDS = 2.0
# Query parameters a page reads from request.query_params, not from its signature.
PAGE_QUERIES: dict[str, list[str]] = {
    "/tickets": ["number", "phone"],
    "/tickets/export.csv": ["number", "phone"],
    "/grid": ["view"],
    "/grid/tasks": ["view"],
    "/mediation": ["state", "mine"],
}
# Parameters whose values are a page's own choices (a tab, a filter): every one is asked.
CHOICES: dict[str, list[str]] = {
    "queue": [q.key for q in QUEUES],
    "tab": [t.key for t in TABS],
    "view": list(VIEWS),
    "mine": ["1"],
    "state": list(STATE_FILTERS),
    "category": ["community_correction"],
    "status": ["registered"],
}
# Parameters that never name an object: one harmless value each.
NEUTRAL = {"next": "/", "cursor": ""}


@dataclass
class Objects:
    """One township's values by parameter name (several per name) and its markers."""

    code: str
    values: dict[str, list[str]] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)


@dataclass
class Asked:
    user: str
    url: str
    status: int
    body: str


def console_get_routes(app: Any) -> Iterator[APIRoute]:
    """Every GET route of the app, through the routers it includes (FastAPI wraps each one)."""

    def walk(routes: list[Any], prefix: str) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                # The console includes its routers without a prefix: route.path is the URL.
                assert not prefix, f"{route.path} is included under {prefix!r}"
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)

    return (route for route in walk(app.routes, "") if "GET" in route.methods)


async def _verification_task(platform: Platform, alert_id: str) -> str:
    risk, leader = platform.riskassess.client, platform.headers("leader")
    for action, body in (
        ("acknowledge", {}),
        ("request-verification", {"summary": "核实当事人是否在厂房楼顶，情绪是否稳定"}),
    ):
        answer = await risk.post(f"/v1/alerts/{alert_id}/{action}", json=body, headers=leader)
        assert answer.status_code == 200, answer.text

    async def task() -> str | None:
        found = await platform.dispatch.client.get(
            f"/v1/tasks?alert_id={alert_id}", headers=platform.headers("dispatcher")
        )
        items = found.json()["items"]
        return str(items[0]["id"]) if items else None

    return await eventually(task)


async def _own_text_ticket(platform: Platform, code: str, text: str) -> dict[str, Any]:
    body = {
        "channel": "hotline_12345",
        "description": f"{text}小区门口的路灯坏了三天，晚上很黑",
        "caller": {"phone": f"138{code[-1]}4440006"},
        "location": {"grid_code": GRIDS[code]},
    }
    headers = {**platform.headers("operator"), "Idempotency-Key": str(uuid.uuid4())}
    answer = await platform.intake.client.post("/v1/tickets", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


async def _visit_due(platform: Platform, code: str, name: str) -> dict[str, Any]:
    """A key person in the township's grid, due for a visit this week (the grid's 走访)."""
    body = {
        "category": "community_correction",
        "name": name,
        "address": f"{name}家",
        "area_code": GRIDS[code],
        "case_officer": "司法所",
        "visit_interval_days": 3,
    }
    headers = {**platform.headers("analyst"), "Idempotency-Key": str(uuid.uuid4())}
    answer = await platform.riskassess.client.post("/v1/key-persons", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    person: dict[str, Any] = answer.json()
    return person


async def township_objects(platform: Platform, world: World, code: str) -> Objects:
    t = world.townships[code]
    own = Objects(code, markers=set(t.markers) | set(t.clear))
    for name, value in t.values.items():
        own.values[name] = [value]
    verification = await _verification_task(platform, t.values["alert_id"])
    text = f"标记{code[-3:]}{uuid.uuid4().hex[:6]}"
    ticket = await _own_text_ticket(platform, code, text)
    own.values["task_id"].append(verification)
    own.values["ticket_ref"].append(ticket["ticket_number"])
    own.markers |= {verification, ticket["id"], ticket["ticket_number"], text}
    visited = await _visit_due(platform, code, f"走访{text}")
    own.values["person_id"].append(str(visited["id"]))
    own.markers |= {str(visited["id"]), visited["ref"]}
    own.markers |= {f"KP-{uuid.UUID(t.values['person_id']).hex[-12:].upper()}"}
    own.markers.add(f"{code}片区征地拆迁项目")  # the world's assessment title
    numbers = phones(code)
    own.values |= {
        "caller_phone": [numbers["light"]],
        "phone": [numbers["light"]],
        "number": [t.values["ticket_ref"], ticket["ticket_number"]],
        "alert": [t.values["alert_id"]],
    }
    return own


def requests_of(route: APIRoute, objects: Objects, *, queries: bool = True) -> Iterator[str]:
    """The URLs that ask ``route`` with the township's values: the bare page, then each value
    of each of its parameters (with ``queries``)."""
    path_names = [p.name for p in route.dependant.path_params]
    assert len(path_names) <= 1, f"{route.path}: add the combinations of {path_names}"
    if path_names:
        (name,) = path_names
        assert name in objects.values, f"{route.path}: no value for path parameter {name!r}"
        paths = [route.path.replace(f"{{{name}}}", value) for value in objects.values[name]]
    else:
        paths = [route.path]
    query_names = [p.alias for p in route.dependant.query_params]
    query_names += PAGE_QUERIES.get(route.path, [])
    for path in paths:
        yield path
        if not queries:
            continue
        for name in query_names:
            if name in NEUTRAL:
                continue
            values = CHOICES.get(name) or objects.values.get(name)
            assert values, f"{route.path}: no value for query parameter {name!r}"
            for value in values:
                yield f"{path}?{urlencode({name: value})}"


@contextlib.asynccontextmanager
async def signed_in_client(site: ConsoleSite, username: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as client:
        form = {"username": username, "password": DEMO_PASSWORD}
        answer = await client.post("/login", data=form)
        assert answer.status_code == 303, f"{username}: {answer.text}"
        assert client.cookies.get("pingan_session")
        yield client


def leaked(asked: Asked, other: Objects) -> set[str]:
    """B's markers in the answer, but for what the request itself carried."""
    return {m for m in other.markers if m in asked.body and m not in asked.url}


async def _ask(client: httpx.AsyncClient, user: str, url: str, *, htmx: bool) -> Asked:
    headers = {"HX-Request": "true"} if htmx else {}
    answer = await client.get(url, headers=headers)
    return Asked(user, url, answer.status_code, answer.content.decode("utf-8", "replace"))


async def _stream(client: httpx.AsyncClient, user: str) -> Asked:
    """The live stream from its start (Last-Event-ID 0), read for a while."""
    chunks: list[str] = []

    async def read() -> None:
        headers = {"Last-Event-ID": "0"}
        async with client.stream("GET", "/ui/stream", headers=headers) as answer:
            chunks.append(f"status {answer.status_code}\n")
            async for text in answer.aiter_text():
                chunks.append(text)

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read(), STREAM_SECONDS)
    status = int(chunks[0].split()[1]) if chunks else 0
    return Asked(user, "/ui/stream", status, "".join(chunks[1:]))


@pytest.fixture(scope="module")
async def townships(site: ConsoleSite) -> AsyncIterator[dict[str, Objects]]:
    world = await build_world(site.platform)
    yield {code: await township_objects(site.platform, world, code) for code in (A, B)}


async def _as_user(
    site: ConsoleSite, user: str, routes: list[APIRoute], mine: Objects, other: Objects
) -> tuple[list[str], set[str], int]:
    """One user's walk over the routes: the failures, the own markers seen, requests made."""
    failures: list[str] = []
    seen_own: set[str] = set()
    asked = 0
    async with signed_in_client(site, user) as client:
        for route in routes:
            for n, url in enumerate(requests_of(route, other)):
                # Fragments answer htmx requests: each path is asked both ways.
                for htmx in (False, True) if n == 0 else (False,):
                    answer = await _ask(client, user, url, htmx=htmx)
                    asked += 1
                    if answer.status >= 500:
                        failures.append(f"{user} {url}: {answer.status}")
                    if found := leaked(answer, other):
                        failures.append(f"{user} {url} (htmx={htmx}): B's {sorted(found)}")
                    if url.endswith(".pdf") and answer.status == 200:
                        failures.append(f"{user} {url}: B's agreement PDF served")
            for url in requests_of(route, mine, queries=False):
                answer = await _ask(client, user, url, htmx=False)
                asked += 1
                if answer.status >= 500:
                    failures.append(f"{user} {url} (own): {answer.status}")
                seen_own |= {m for m in mine.markers if m in answer.body}
        stream = await _stream(client, user)
        if stream.status != 200:
            failures.append(f"{user} /ui/stream: {stream.status}")
        if found := leaked(stream, other):
            failures.append(f"{user} /ui/stream: B's {sorted(found)}")
    return failures, seen_own, asked


async def test_no_console_route_shows_another_townships_data(
    site: ConsoleSite, townships: dict[str, Objects]
) -> None:
    from pingan_console.app import create_app

    routes = [r for r in console_get_routes(create_app(site.settings)) if r.path != "/ui/stream"]
    assert len(routes) >= 30, [r.path for r in routes]
    mine, other = townships[A], townships[B]
    results = await asyncio.gather(*(_as_user(site, u, routes, mine, other) for u in USERS))
    failures = [failure for found, _, _ in results for failure in found]
    asked = sum(count for _, _, count in results)
    print(f"no-leak: {len(routes)} GET routes, {len(USERS)} users, {asked} requests")
    assert not failures, "\n".join(failures)
    blind = [user for user, (_, seen, _) in zip(USERS, results, strict=True) if not seen]
    assert not blind, f"these users saw none of their own township's objects: {blind}"

    # The markers are there to be seen: a county-wide user finds B's objects by the same URLs.
    async with signed_in_client(site, "leader1") as county:
        seen_other: set[str] = set()
        for route in routes:
            for url in requests_of(route, other, queries=False):
                answer = await _ask(county, "leader1", url, htmx=False)
                seen_other |= {m for m in other.markers if m in answer.body and m not in url}
    assert seen_other, "a county-wide leader saw none of B's markers: the check is blind"
