"""The role × area × route matrix: every route of every service, from its OpenAPI document, called
by every kind of caller against objects of its own township, of the other township and of none.

Nothing here names a route: a route added to a service is in the matrix on the next run. What a
route needs is read from its operation — path parameters and body fields are filled from the
world's objects by name (``ticket_ref``, ``task_id``, ``area_code``, …), other fields with the
smallest value their schema accepts — so a cross-area request is a well-formed one and reaches
the area check instead of stopping at validation.
"""

from __future__ import annotations

import asyncio
import io
import re
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pypdf

from pingan_common.testing.services import TestAuth
from tests.security.world import API_KEYS, CENTRES, COMMITTEES, GRIDS, STAFF, TOWNSHIPS, World

SERVICES = ("intake", "dispatch", "mediation", "riskassess", "notify")
ROLES = (
    "operator",
    "dispatcher",
    "handler",
    "grid_worker",
    "mediator",
    "analyst",
    "leader",
    "admin",
)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Callers' filters filled from the target township when a route offers them.
FILTERS = {
    "ticket_id",
    "ticket_ref",
    "correlation_id",
    "task_id",
    "case_id",
    "alert_id",
    "area_code",
    "area",
    "area_prefix",
    "township_code",
    "unit_code",
}
# Never sent: asking for clear values is a separate, audited path (and the PII scan relies on
# every response being a default one).
NEVER = {"reason"}
# Routes without credentials by design: probes, metrics, Open311 reads (GeoReport v2 is public).
PUBLIC = re.compile(r"^(GET /(healthz|readyz|metrics)|GET /open311/)")
# Routes the matrix calls without valid credentials only: the live stream never ends for a
# valid token (its scope and expiry have service tests of their own).
UNAUTHENTICATED_ONLY = {"GET /v1/stream"}
# Values of the same shape as the world's that name nothing: an object that does not exist.
GHOSTS = {
    "ticket_ref": "QS20260101999999",
    "service_request_id": "QS20260101999999",
    "master_ref": "QS20260101999998",
    "master": "QS20260101999998",
    "unit_code": "331199009-ZZ",
    "code": "331199009-ZZ",
    "user_id": "nobody-security-matrix",
}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    operation: dict[str, Any] = field(hash=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def label(self) -> str:
        return f"{self.service} {self.key}"

    @property
    def needs_auth(self) -> bool:
        return not PUBLIC.match(self.key)

    @property
    def path_params(self) -> list[dict[str, Any]]:
        return [p for p in self.operation.get("parameters", []) if p["in"] == "path"]

    @property
    def accepts_api_key(self) -> bool:
        return any("APIKeyHeader" in s for s in self.operation.get("security", []))


@dataclass(frozen=True)
class Caller:
    name: str
    kind: str  # "role", "citizen", "api_key", "none"
    township: str | None
    headers: dict[str, str] = field(hash=False, compare=False)
    role: str | None = None

    @property
    def may_read_clear(self) -> bool:
        """Roles that may ask for clear values (with a reason; the matrix never gives one)."""
        return self.role in ("operator", "dispatcher")


@dataclass
class Outcome:
    route: Route
    caller: Caller
    target: str  # "bare" (no ids), "own", "cross", "ghost"
    township: str | None  # whose objects the request named
    status: int
    body: str
    sent: set[str]
    url: str


def readable(response: httpx.Response) -> str:
    """What a person reads in the body: a PDF's text, not its bytes. The bytes hide the text in
    compressed streams, and the file identifier (hex) can look like a mobile number."""
    is_pdf = response.headers.get("content-type", "").startswith("application/pdf")
    if not is_pdf or not 200 <= response.status_code < 300:
        return response.text
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def discover(apps: dict[str, Any]) -> list[Route]:
    """Every operation of every service's OpenAPI document."""
    routes = []
    for service, app in apps.items():
        for path, operations in app.openapi()["paths"].items():
            for method, operation in operations.items():
                routes.append(Route(service, method.upper(), path, operation))
    return routes


def callers(auth: TestAuth) -> list[Caller]:
    found = [Caller("no token", "none", None, {})]
    for code in TOWNSHIPS:
        for role in ROLES:
            claims = _claims(role, code)
            token = auth.token(role, **claims)
            found.append(
                Caller(f"{role}@{code}", "role", code, {"Authorization": f"Bearer {token}"}, role)
            )
        citizen = auth.token_with(f"citizen-{code}", name="市民", roles=["citizen"], area=code)
        found.append(
            Caller(f"citizen@{code}", "citizen", code, {"Authorization": f"Bearer {citizen}"})
        )
        found.append(Caller(f"api key@{code}", "api_key", code, {"X-API-Key": API_KEYS[code]}))
    return found


def _claims(role: str, code: str) -> dict[str, str]:
    if role == "grid_worker":
        return {"area": GRIDS[code], "unit": f"{GRIDS[code]}-WG", "subject": f"grid-{code}"}
    if role == "mediator":
        return {"area": COMMITTEES[code][:12], "unit": COMMITTEES[code], "subject": f"med-{code}"}
    if role == "handler":
        return {"area": code, "unit": CENTRES[code], "subject": STAFF[code]}
    return {"area": code, "unit": CENTRES[code], "subject": f"{role}-{code}"}


# --- requests -------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    url: str
    params: dict[str, Any]
    headers: dict[str, str]
    json: Any
    sent: set[str]


class Unfillable(Exception):
    """A path parameter the world has no value for."""


class Builder:
    def __init__(self, world: World, document: dict[str, Any]) -> None:
        self.world = world
        self.document = document

    def request(self, route: Route, target: str | None, *, ghost: bool = False) -> Request:
        values = dict(self.world.shared)
        if target is not None:
            values |= self.world.townships[target].values
        sent: set[str] = set()
        path = route.path
        for parameter in route.path_params:
            name = parameter["name"]
            if name not in values:
                raise Unfillable(f"{route.label}: no value for {{{name}}}")
            value = values[name]
            if ghost and name not in self.world.shared:
                integer = parameter.get("schema", {}).get("type") == "integer"
                value = GHOSTS.get(name) or ("987654321" if integer else str(uuid.uuid4()))
            sent.add(value)
            path = path.replace("{" + name + "}", value)
        params: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for parameter in route.operation.get("parameters", []):
            name, where = parameter["name"], parameter["in"]
            if where == "query" and name not in NEVER:
                if target is not None and name in FILTERS and name in values:
                    params[name] = values[name]
                    sent.add(values[name])
                elif parameter.get("required"):
                    params[name] = self.instance(parameter.get("schema", {}), {}, name)
            elif where == "header" and name.lower() == "idempotency-key":
                headers[name] = str(uuid.uuid4())
            elif where == "header" and parameter.get("required"):
                headers[name] = str(self.instance(parameter.get("schema", {}), {}, name))
        body = None
        content = route.operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            fill = values if target is not None else {}
            body = self.instance(content["application/json"].get("schema", {}), fill, "")
            sent |= {v for v in _strings(body) if v in fill.values()}
        if route.method in UNSAFE:
            headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
        return Request(route.method, path, params, headers, body, sent)

    # The smallest instance a JSON Schema accepts, with named fields taken from ``fill``.
    def instance(self, schema: dict[str, Any], fill: dict[str, str], name: str) -> Any:
        schema = self._resolve(schema)
        if name in fill and name not in NEVER and _admits_string(self, schema):
            return fill[name]
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                options = [o for o in schema[combinator] if self._resolve(o).get("type") != "null"]
                return self.instance(options[0] if options else {}, fill, name)
        if "allOf" in schema:
            return self.instance(schema["allOf"][0], fill, name)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", []))
            return {
                prop: self.instance(sub, fill, prop)
                for prop, sub in schema.get("properties", {}).items()
                if prop in required or (prop in fill and prop not in NEVER)
            }
        if kind == "array":
            count = max(schema.get("minItems", 0), 1 if name else 0)
            return [self.instance(schema.get("items", {}), fill, "") for _ in range(count)]
        if kind == "integer":
            return int(_number(schema, 1))
        if kind == "number":
            return float(_number(schema, 1))
        if kind == "boolean":
            return True
        if kind == "string":
            return _string(schema)
        return None

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema


def _admits_string(builder: Builder, schema: dict[str, Any]) -> bool:
    schema = builder._resolve(schema)
    if schema.get("type") == "string" or "string" in (schema.get("type") or []):
        return "enum" not in schema and "format" not in schema
    return any(_admits_string(builder, o) for o in schema.get("anyOf", []))


def _number(schema: dict[str, Any], default: float) -> float:
    if "minimum" in schema:
        return float(schema["minimum"])
    if "exclusiveMinimum" in schema:
        return float(schema["exclusiveMinimum"]) + 1
    if "maximum" in schema:
        return min(default, float(schema["maximum"]))
    return default


_CANDIDATES = ("331199001", "33119900100101", "331199001-ZZ", "1", "ab", "13800000000")


def _string(schema: dict[str, Any]) -> str:
    kind = schema.get("format")
    soon = datetime.now(UTC) + timedelta(days=1)
    if kind == "date-time":
        return soon.isoformat()
    if kind == "date":
        return (soon + timedelta(days=9)).date().isoformat()
    if kind == "uuid":
        return str(uuid.uuid4())
    if kind in ("uri", "url"):
        return "https://hooks.example.gov.cn/pingan"
    if kind == "email":
        return "someone@example.gov.cn"
    low, high = schema.get("minLength", 1), schema.get("maxLength", 40)
    if pattern := schema.get("pattern"):
        for candidate in _CANDIDATES:
            if re.search(pattern, candidate) and low <= len(candidate) <= high:
                return candidate
        from hypothesis import strategies

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(strategies.from_regex(pattern, fullmatch=True).example())
    text = "安全矩阵测试说明文字" * (1 + low // 10)
    return text[: max(low, min(high, 8))]


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- running --------------------------------------------------------------------------------


@dataclass
class Plan:
    route: Route
    caller: Caller
    target: str
    township: str | None
    request: Request


def plan(routes: list[Route], everyone: list[Caller], builders: dict[str, Builder]) -> list[Plan]:
    """GETs first (own, other's and no township's objects), then every write aimed at the other
    township's objects only, so the reads see the world as it was made."""
    plans: list[Plan] = []
    skipped: list[str] = []
    for unsafe in (False, True):
        for route in routes:
            if (route.method in UNSAFE) != unsafe:
                continue
            for caller in everyone:
                if route.key in UNAUTHENTICATED_ONLY and caller.kind not in ("none", "api_key"):
                    continue
                for target, township in _targets(route, caller, unsafe):
                    try:
                        request = builders[route.service].request(
                            route, township, ghost=target == "ghost"
                        )
                    except Unfillable as missing:
                        skipped.append(str(missing))
                        continue
                    plans.append(Plan(route, caller, target, township, request))
    assert not skipped, f"routes the matrix cannot fill: {sorted(set(skipped))}"
    return plans


def _targets(route: Route, caller: Caller, unsafe: bool) -> list[tuple[str, str | None]]:
    home = caller.township or TOWNSHIPS[0]
    other = next(code for code in TOWNSHIPS if code != home)
    targets: list[tuple[str, str | None]] = [("cross", other)]
    if not unsafe:
        targets.append(("own", home))
        if not route.path_params:
            targets.append(("bare", None))
    if route.path_params and caller.kind == "role":
        targets.append(("ghost", other))
    return targets


async def run(plans: list[Plan], clients: dict[str, httpx.AsyncClient]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    limit = asyncio.Semaphore(6)

    async def one(item: Plan) -> None:
        request = item.request
        async with limit:
            response = await clients[item.route.service].request(
                request.method,
                request.url,
                params=request.params,
                headers={**item.caller.headers, **request.headers},
                json=request.json,
                timeout=30,
            )
        outcomes.append(
            Outcome(
                item.route,
                item.caller,
                item.target,
                item.township,
                response.status_code,
                readable(response),
                request.sent,
                str(response.request.url),
            )
        )

    reads = [p for p in plans if p.route.method not in UNSAFE]
    writes = [p for p in plans if p.route.method in UNSAFE]
    await asyncio.gather(*(one(p) for p in reads))
    # Writes one route at a time: a write that got through must not race the others.
    for route in dict.fromkeys(p.route for p in writes):
        await asyncio.gather(*(one(p) for p in writes if p.route == route))
    return outcomes
