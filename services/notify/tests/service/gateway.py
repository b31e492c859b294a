"""The SMS gateway simulator in notify's service tests (PYTEST_DONT_REWRITE): notify's provider
adapters pointed at a running simulator, and messages rendered as notify sends them.

    async def test_receipt(sms_gateway, client):
        provider = sms_gateway.aliyun(client)
        ...
        assert [m["to"] for m in await sms_gateway.messages("13800138000")] == ["13800138000"]

The ``sms_gateway_server`` (one per session) and ``sms_gateway`` (emptied for each test)
fixtures are in this folder's conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from pingan_common.testing import sms_gateway
from pingan_notify.sms.aliyun import AliyunStyleSmsProvider
from pingan_notify.sms.providers import SmsMessage
from pingan_notify.sms.tencent import TencentStyleSmsProvider
from pingan_notify.sms_simulator import SimulatorConfig, create_app
from pingan_notify.templates.catalog import default_catalog, preview


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


@dataclass
class SimulatorGateway(sms_gateway.SmsGateway):
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


@contextmanager
def running_sms_gateway(config: SimulatorConfig | None = None) -> Iterator[SimulatorGateway]:
    with sms_gateway.running_sms_gateway(create_app(config or SimulatorConfig())) as running:
        yield SimulatorGateway(base_url=running.base_url, state=running.state)
