"""Schemathesis over every service's OpenAPI document (issue 12): generated inputs for every
operation, sent in-process to the running app with a valid county-wide admin token; no input
may get a 5xx.

Hypothesis's strategies are drawn here (``EXAMPLES`` per operation) and the requests go through
the platform's own in-process clients, because the apps' database pools live on this test's
event loop (schemathesis' own ASGI caller would run them on another). Conformance of each
response to its documented schema is not asserted yet (see the README's test section).
"""

from __future__ import annotations

import os
import time
import warnings
from collections import Counter
from typing import Any

import schemathesis
from hypothesis.errors import NonInteractiveExampleWarning

from tests.e2e.conftest import Platform
from tests.security.conftest import TOTALS
from tests.security.matrix import SERVICES

EXAMPLES = int(os.environ.get("PINGAN_SCHEMATHESIS_EXAMPLES", "6"))  # per operation
SKIPPED = {"GET /v1/stream"}  # a valid token's stream never ends (service tests cover it)


async def test_no_generated_input_gets_a_server_error(platform: Platform) -> None:
    token = platform.headers("admin")["Authorization"]
    errors: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    started = time.monotonic()
    for name in SERVICES:
        service = getattr(platform, name)
        schema = schemathesis.openapi.from_dict(service.app.openapi())
        for result in schema.get_all_operations():
            operation = result.ok()
            if f"{operation.method.upper()} {operation.path}" in SKIPPED:
                continue
            operations += 1
            strategy = operation.as_strategy()
            for _ in range(EXAMPLES):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
                    case = strategy.example()
                kwargs: dict[str, Any] = case.as_transport_kwargs(base_url="")
                headers = {**kwargs.get("headers", {}), "Authorization": token}
                headers.pop("X-API-Key", None)
                response = await service.client.request(
                    kwargs["method"],
                    kwargs["url"],
                    params=kwargs.get("params"),
                    headers=headers,
                    json=kwargs.get("json"),
                    content=kwargs.get("data") if isinstance(kwargs.get("data"), bytes) else None,
                    timeout=30,
                )
                statuses[response.status_code] += 1
                if response.status_code >= 500 and not (
                    operation.path == "/readyz" and response.status_code == 503
                ):
                    errors.append(
                        f"{name} {operation.label}: {response.status_code} for"
                        f" {case.as_curl_command()}\n  {response.text[:300]}"
                    )
    took = time.monotonic() - started
    TOTALS.append(
        f"schemathesis: {operations} operations × {EXAMPLES} examples →"
        f" {sum(statuses.values())} requests in {took:.1f} s;"
        f" statuses {dict(sorted(statuses.items()))}"
    )
    assert not errors, f"{len(errors)} server errors:\n" + "\n".join(errors[:30])
