"""Webhook targets: public addresses only, in every spelling an address can be written."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from pingan_notify.webhooks.targets import refused_destination, refused_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8009/token",
        "http://127.0.0.1:5432/",
        "http://[::1]:8005/v1/inbox",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f000001/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://10.0.0.8/hooks",
        "http://192.168.1.20/hooks",
        "http://172.16.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0:8001/",
        "http://localhost:8001/",
        "http://svc.localhost/",
        "ftp://110.example.gov.cn/hooks",
    ],
)
def test_internal_and_odd_targets_are_refused(url: str) -> None:
    assert refused_url(url, allow_private=False) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://110.example.gov.cn/hooks/pingan",
        "https://8.8.8.8/hook",
        "http://[2001:4860::8888]/",
    ],
)
def test_public_targets_are_allowed(url: str) -> None:
    assert refused_url(url, allow_private=False) is None


def test_the_local_stacks_switch_allows_loopback_receivers() -> None:
    assert refused_url("http://127.0.0.1:9999/hook", allow_private=True) is None
    assert refused_url("ftp://127.0.0.1/", allow_private=True) is not None


def _resolving_to(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Answer every name lookup of this loop with ``address`` (DNS without the network)."""
    loop = asyncio.get_running_loop()

    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


async def test_a_public_name_that_resolves_to_a_private_address_is_refused_at_send_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving_to(monkeypatch, "10.1.2.3")
    why = await refused_destination("https://hooks.example.com/pingan", allow_private=False)
    assert why == "hooks.example.com resolves to a private-network address"


async def test_a_name_that_resolves_to_a_public_address_is_sent_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving_to(monkeypatch, "93.184.216.34")
    assert await refused_destination("https://hooks.example.com/p", allow_private=False) is None
