"""pytest fixtures: the SMS gateway simulator as a real HTTP server on a free loopback port.

uvicorn runs in a background thread with its own event loop, so the server answers whatever the
tests' loop is doing (and synchronous tests can use it too). One server per session;
``sms_gateway`` hands each test a gateway with no messages and default controls.

    async def test_receipt(sms_gateway):
        provider = sms_gateway.aliyun(client)
        ...
        assert [m["to"] for m in await sms_gateway.messages("13800138000")] == ["13800138000"]

``serve_in_thread(app)`` runs any ASGI app the same way (a webhook or callback receiver).

Register it for a test module with ``pytest_plugins = ["services.notify.tests.sms_gateway"]``, or
for all of notify's tests by importing the two fixtures into notify's conftest.py.
(PYTEST_DONT_REWRITE: no asserts here, and test modules import its helpers directly.)
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from pingan_notify.sms.aliyun import AliyunStyleSmsProvider
from pingan_notify.sms.providers import SmsMessage
from pingan_notify.sms.tencent import TencentStyleSmsProvider
from pingan_notify.sms_simulator import Gateway, SimulatorConfig, create_app
from pingan_notify.templates.catalog import default_catalog, preview

__all__ = ["SmsGateway", "running_sms_gateway", "serve_in_thread", "sms_gateway", "template_sms"]


def template_sms(template: str, *, phone: str, ticket_number: str) -> SmsMessage:
    """A message as notify would send it: one of the default catalog's SMS templates, rendered."""
    rendered = preview(template, {"ticket_number": ticket_number})
    return SmsMessage(
        phone=phone,
        sign_name=default_catalog().sign_name,
        template_code=rendered.template_code or "",
        params=rendered.params,
        text=rendered.text,
    )


@contextmanager
def serve_in_thread(app: Any, *, startup_timeout_s: float = 10.0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port; yield its base URL (``http://127.0.0.1:N``)."""
    # Bind first and hand uvicorn the socket: the port is known and can't be taken meanwhile.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class SmsGateway:
    """A running simulator: its URLs, its credentials, and helpers to build adapters for it."""

    base_url: str
    config: SimulatorConfig
    state: Gateway

    @property
    def aliyun_url(self) -> str:
        return f"{self.base_url}/aliyun"

    @property
    def tencent_url(self) -> str:
        return f"{self.base_url}/tencent"

    def aliyun(self, client: httpx.AsyncClient, **overrides: Any) -> AliyunStyleSmsProvider:
        settings = {
            "base_url": self.aliyun_url,
            "access_key_id": self.config.aliyun_access_key_id,
            "access_key_secret": self.config.aliyun_access_key_secret,
        }
        return AliyunStyleSmsProvider(client=client, **(settings | overrides))

    def tencent(self, client: httpx.AsyncClient, **overrides: Any) -> TencentStyleSmsProvider:
        settings = {
            "base_url": self.tencent_url,
            "secret_id": self.config.tencent_secret_id,
            "secret_key": self.config.tencent_secret_key,
            "sdk_app_id": self.config.tencent_sdk_app_id,
        }
        return TencentStyleSmsProvider(client=client, **(settings | overrides))

    async def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """What the gateway received (through its HTTP API, as an operator would see it)."""
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
        self.state.clear()
        self.state.reset_controls()


@contextmanager
def running_sms_gateway(config: SimulatorConfig | None = None) -> Iterator[SmsGateway]:
    config = config or SimulatorConfig()
    app = create_app(config)
    with serve_in_thread(app) as base_url:
        yield SmsGateway(base_url=base_url, config=config, state=app.state.gateway)


@pytest.fixture(scope="session")
def sms_gateway_server() -> Iterator[SmsGateway]:
    with running_sms_gateway() as gateway:
        yield gateway


@pytest.fixture
def sms_gateway(sms_gateway_server: SmsGateway) -> SmsGateway:
    """The session's simulator, emptied and back to default controls for this test."""
    sms_gateway_server.reset()
    return sms_gateway_server
