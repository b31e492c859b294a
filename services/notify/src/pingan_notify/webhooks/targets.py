"""Where a webhook may be sent: public addresses only, so an admin's subscription cannot make
notify reach into its own network (SSRF) — the token issuer, PostgreSQL, the cloud metadata
service, another tenant's internal API.

Checked twice: when a subscription is saved (the URL's host as written, in every spelling an
address can take: ``127.1``, ``2130706433``, ``0x7f000001``, ``[::1]``, ``::ffff:10.0.0.1``)
and before every send (what the name resolves to now, since DNS can change after the check).
Redirects are never followed. ``allow_private`` is for the local stack and tests only, whose
receivers listen on loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def refused_address(address: IPAddress) -> str | None:
    """Why an address is no place for a webhook, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (this includes cloud metadata services)"
    if address.is_private:
        return "a private-network address"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "not a unicast public address"
    if not address.is_global:
        return "not a public address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, in any spelling the resolver would accept."""
    candidate = host.strip("[]")
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    try:
        # inet_aton takes the old forms: 127.1, 2130706433, 0x7f000001, 0177.0.0.1
        return ipaddress.IPv4Address(socket.inet_aton(candidate))
    except OSError:
        return None


def refused_url(url: str, *, allow_private: bool) -> str | None:
    """Why a subscription URL is refused as written, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "only http and https URLs"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "the URL has no host"
    if allow_private:
        return None
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return "a loopback address"
    address = literal_address(host)
    return refused_address(address) if address is not None else None


async def refused_destination(url: str, *, allow_private: bool) -> str | None:
    """Why a send to this URL is refused now (its host resolved), or None."""
    why = refused_url(url, allow_private=allow_private)
    if why is not None or allow_private:
        return why
    parts = urlsplit(url)
    host = parts.hostname or ""
    if literal_address(host) is not None:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None  # unresolvable: the send fails on its own, and is retried
    for info in infos:
        why = refused_address(ipaddress.ip_address(info[4][0]))
        if why is not None:
            return f"{host} resolves to {why}"
    return None
