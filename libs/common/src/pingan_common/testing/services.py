"""pytest helpers for service and end-to-end tests: real apps on the real PostgreSQL and broker.

    async with running_service(intake_bootstrap, IntakeSettings, stack) as intake:
        response = await intake.client.post("/v1/tickets", json=..., headers=stack.auth("operator"))

Each test stack gets its own databases and its own Kafka namespace (topic and group prefix), so
tests never see each other's events even though they share one broker.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx
import pytest
from asgi_lifespan import LifespanManager

from pingan_common.auth.dev_issuer import ensure_keys, issue_token
from pingan_common.auth.settings import AuthSettings
from pingan_common.db import Clock, system_clock
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_common.settings import (
    KafkaSettings,
    OutboxSettings,
    ServiceSettings,
    ThrottleSettings,
)
from pingan_common.testing.infra import fresh_database

TEST_ISSUER = "http://issuer.test"
_stack_numbers = itertools.count(1)
T = TypeVar("T")


@dataclass
class TestAuth:
    __test__ = False
    keys_dir: Path

    def settings(self) -> AuthSettings:
        return AuthSettings(issuer=TEST_ISSUER, jwks_file=str(self.keys_dir / "jwks.json"))

    def token(
        self,
        role: str,
        *,
        area: str | None = None,
        unit: str | None = None,
        subject: str | None = None,
    ) -> str:
        demo = load_county().default_user(role)
        return self.token_with(
            subject or demo.username,
            name=demo.display_name,
            roles=[role],
            area=area or demo.area_code,
            unit=unit or demo.unit_code,
        )

    def token_with(
        self, subject: str, *, name: str, roles: list[str], area: str, unit: str | None = None
    ) -> str:
        """A token with exactly these claims, for users the demo county has no default for
        (a citizen, a leader with no area)."""
        return issue_token(
            self.keys_dir,
            subject=subject,
            name=name,
            roles=roles,
            area=area,
            unit=unit,
            issuer=TEST_ISSUER,
        )

    def headers(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **claims)}"}


@dataclass
class TestStack:
    """One isolated world: a database name prefix and a Kafka namespace on the shared servers."""

    __test__ = False

    postgres: Any
    kafka: Any
    auth: TestAuth
    name: str = field(default_factory=lambda: f"t{next(_stack_numbers)}_{uuid.uuid4().hex[:6]}")

    def kafka_settings(self, **overrides: Any) -> KafkaSettings:
        values: dict[str, Any] = {
            "bootstrap_servers": self.kafka.bootstrap_servers,
            "namespace": f"{self.name}.",
            "session_timeout_ms": 2000,
            "heartbeat_interval_ms": 500,
            "default_partitions": 3,
            "handler_backoff_ms": 10,
            # Tests wait on event round trips: the short wait costs the broker CPU, not time
            # (the services' default is 50 ms, settings.py).
            "fetch_max_wait_ms": 10,
        }
        return KafkaSettings(**{**values, **overrides})

    async def settings(
        self, settings_class: type[ServiceSettings], service: str, **overrides: Any
    ) -> ServiceSettings:
        database = await fresh_database(self.postgres, f"{self.name}_{service}")
        values: dict[str, Any] = {
            "database_url": database,
            "database_pool_size": 5,
            "kafka": self.kafka_settings(),
            "outbox": OutboxSettings(poll_interval_ms=100, retry_backoff_ms=100),
            "auth": self.auth.settings(),
            # Every request of a test comes from one address and often without a token; the
            # throttle's own tests turn it on with small limits.
            "throttle": ThrottleSettings(enabled=False),
        }
        values.update(overrides)
        return settings_class(**values)


@dataclass
class RunningService:
    app: Any
    client: httpx.AsyncClient
    settings: ServiceSettings

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime


@asynccontextmanager
async def running_service(
    bootstrap: ModuleType,
    settings: ServiceSettings,
    *,
    clock: Clock = system_clock,
) -> AsyncIterator[RunningService]:
    """Start a service's real app (lifespan included) and an HTTP client bound to it."""
    app = bootstrap.create_app(settings, clock=clock)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
            yield RunningService(app=app, client=client, settings=settings)


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 20, interval: float = 0.05
) -> T:
    """Poll ``probe`` until it returns something truthy; fail the test with a clear message."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"condition not met within {within}s (last result: {result!r})")
        await asyncio.sleep(interval)


@pytest.fixture(scope="session")
def test_auth(tmp_path_factory: pytest.TempPathFactory) -> TestAuth:
    keys_dir = tmp_path_factory.mktemp("keys")
    ensure_keys(keys_dir)
    return TestAuth(keys_dir)


@pytest.fixture
def stack(postgres: Any, kafka: Any, test_auth: TestAuth) -> TestStack:
    return TestStack(postgres=postgres, kafka=kafka, auth=test_auth)


@pytest.fixture(scope="module")
def module_stack(postgres: Any, kafka: Any, test_auth: TestAuth) -> TestStack:
    """One stack shared by a module's tests, for tests that work on distinct data."""
    return TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
