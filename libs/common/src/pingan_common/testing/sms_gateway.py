"""A running SMS gateway simulator for tests (PYTEST_DONT_REWRITE), reached over its HTTP API.

The simulator is notify's (``pingan_notify.sms_simulator``); libs/common never imports a
service, so the caller hands over the simulator's app:

    from pingan_notify.sms_simulator import create_app as sms_simulator

    with running_sms_gateway(sms_simulator()) as sms:
        ...settings with sms_base_url=sms.base_url...
        assert [m["to"] for m in await sms.messages("13800138000")] == ["13800138000"]

It is served in a thread of its own (``serve_in_thread``), so it answers whatever the tests'
loop is doing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from pingan_common.testing.servers import serve_in_thread

# The token the tests' notify takes its SMS callbacks with (``?token=`` on the callback URLs).
SMS_CALLBACK_TOKEN = "test-sms-callback-token"


class SimulatorState(Protocol):
    """What the tests reach of the simulator's in-memory gateway (``app.state.gateway``)."""

    config: Any

    def clear(self) -> None: ...

    def reset_controls(self) -> None: ...


@dataclass
class SmsGateway:
    """A running simulator: its URLs, its in-memory state, and its HTTP API as an operator
    would use it."""

    base_url: str
    state: SimulatorState

    @property
    def config(self) -> Any:
        """The simulator's configuration (its credentials, templates, tolerances)."""
        return self.state.config

    @property
    def aliyun_url(self) -> str:
        return f"{self.base_url}/aliyun"

    @property
    def tencent_url(self) -> str:
        return f"{self.base_url}/tencent"

    async def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """What the gateway received, oldest first."""
        params = {"to": to} if to else {}
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            response = await client.get("/messages", params=params)
        response.raise_for_status()
        return response.json()["items"]

    async def control(self, **changes: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            response = await client.post("/control", json=changes)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """No messages and default controls, for the next test."""
        self.state.clear()
        self.state.reset_controls()


@contextmanager
def running_sms_gateway(app: Any) -> Iterator[SmsGateway]:
    """Serve the simulator's ``app`` on a free loopback port while the block runs."""
    with serve_in_thread(app) as base_url:
        yield SmsGateway(base_url=base_url, state=app.state.gateway)
