"""What the matrix's outcomes must never show, each a kind of finding with the route and caller.

- ``server_error``: a 5xx for any caller and any request.
- ``unauthenticated``: a route that needs credentials answering a request without any with
  something other than a 401.
- ``cross_read``: a 2xx body, for a township caller, that holds an id or number of the other
  township's objects which the caller did not send itself.
- ``cross_write``: a write naming the other township's objects (in its path or body) that
  succeeded.
- ``oracle``: a refusal of the other township's object that names that township's area code or
  an id the caller did not send.
- ``existence``: a refusal of the other township's object with another status than the same
  request for an object that does not exist (it tells the object is there).
- ``pii``: a 2xx body holding one of the world's callers' clear phone or ID numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from tests.security.matrix import UNSAFE, Outcome
from tests.security.world import World

KINDS = (
    "server_error",
    "unauthenticated",
    "cross_read",
    "cross_write",
    "oracle",
    "existence",
    "pii",
)


@dataclass(frozen=True)
class Exception_:
    kind: str
    route: str  # a regular expression over "METHOD /path"
    callers: str  # a regular expression over the caller's name
    reason: str


# Expected, with reasons: what looks like a finding and is the design.
EXPECTED: tuple[Exception_, ...] = (
    Exception_(
        "cross_read",
        r"^GET /open311/v2/requests",
        r".*",
        "Open311 GeoReport v2 is public by design: a service request's number and fixed public"
        " status phrases, no personal data (the PII scan still holds)",
    ),
    Exception_(
        "server_error",
        r"^GET /readyz$",
        r".*",
        "503 is /readyz's documented answer when a dependency check times out; under the"
        " matrix's concurrent load the database probe sometimes does",
    ),
    Exception_(
        "unauthenticated",
        r"^POST /open311/v2/requests",
        r".*",
        "Open311 takes form bodies: the matrix's JSON gets a GeoReport 400 before the key is"
        " looked at; nothing is written (service tests cover its keys)",
    ),
    Exception_(
        "pii",
        r"^GET /v1/directory/staff",
        r"admin",
        "staff members' work mobiles, clear to the admins who maintain staff in that area (and"
        " to dispatchers, who call them); masked for every other role and area",
    ),
    Exception_(
        "existence",
        r"^(GET /v1/queues/unit/|PUT /v1/directory/rosters/)",
        r".*",
        "units are the public directory (every staff user lists them): refusing another"
        " township's unit with 403 tells nothing that GET /v1/directory/units does not",
    ),
    Exception_(
        "cross_write",
        r"^POST /v1/routing/explain$",
        r".*",
        "a dry run of the routing rules for a made-up matter: it writes nothing and names only"
        " units and rules, no ticket",
    ),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    route: str  # "service METHOD /path"
    caller: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.route} as {self.caller}: {self.detail}"


def expected(kind: str, outcome: Outcome) -> bool:
    return any(
        e.kind == kind
        and re.search(e.route, outcome.route.key)
        and re.search(e.callers, outcome.caller.name)
        for e in EXPECTED
    )


def findings(outcomes: list[Outcome], world: World) -> list[Finding]:
    found: list[Finding] = []
    ghosts = {
        (o.route, o.caller.name): o for o in outcomes if o.target == "ghost"
    }  # the same request for an object that does not exist

    def add(kind: str, outcome: Outcome, detail: str) -> None:
        if not expected(kind, outcome):
            found.append(Finding(kind, outcome.route.label, outcome.caller.name, detail))

    for o in outcomes:
        short = f"{o.status} {o.url} {o.body[:300]}"
        if o.status >= 500:
            add("server_error", o, short)
        if o.caller.kind == "none" and o.route.needs_auth and o.status != 401:
            add("unauthenticated", o, short)
        if o.target == "ghost" or o.caller.township is None:
            continue
        foreign = world.other(o.caller.township)
        leaked = sorted(m for m in foreign.markers if m in o.body and m not in o.sent)
        success = 200 <= o.status < 300
        if success and leaked:
            add("cross_read", o, f"{o.status} {o.url} holds {leaked}")
        if o.target != "cross":
            continue
        if success and o.route.method in UNSAFE and o.sent & set(foreign.values.values()):
            add("cross_write", o, short)
        if 400 <= o.status < 500 and o.status != 401:
            told = o.body  # what the refusal says beyond echoing the request
            for value in sorted(o.sent, key=len, reverse=True):
                told = told.replace(value, "")
            names_area = re.search(rf"(?<!\d){foreign.code}\d*", told)
            if names_area or leaked:
                what = names_area.group(0) if names_area else leaked
                add("oracle", o, f"{o.status} names {what}: {o.body[:300]}")
            ghost = ghosts.get((o.route, o.caller.name))
            if ghost is not None and ghost.status != o.status:
                add(
                    "existence",
                    o,
                    f"{o.status} for the other township's object, {ghost.status} for none:"
                    f" {o.url} {o.body[:200]}",
                )
    return found


# Not inside a longer number, a decimal fraction (the metrics' floats) or a hex id (a UUID's
# last group can hold eleven digits after a letter).
_MOBILE = re.compile(r"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z.])")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dXx](?![0-9A-Za-z.])")


def pii(outcomes: list[Outcome], world: World) -> list[Finding]:
    """Every 2xx body: none of the world's clear numbers; and, for roles that may never read
    clear values, no clear mobile or resident ID at all (the matrix never asks with a reason)."""
    found: list[Finding] = []
    needles = world.all_clear
    for o in outcomes:
        if not 200 <= o.status < 300:
            continue
        hits = sorted(n for n in needles if n in o.body and n not in o.sent)
        if not o.caller.may_read_clear:
            hits += sorted(
                m.group(0)
                for pattern in (_MOBILE, _RESIDENT_ID)
                for m in pattern.finditer(o.body)
                if m.group(0) not in o.sent and m.group(0) not in hits
            )
        if hits and not expected("pii", o):
            found.append(Finding("pii", o.route.label, o.caller.name, f"{o.url} shows {hits}"))
    return found


def by_kind(found: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in found:
        grouped[finding.kind].append(finding)
    return grouped
