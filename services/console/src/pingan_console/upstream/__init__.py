"""Calls to the five services' REST APIs, always with the signed-in user's own token."""

from pingan_console.upstream.client import Upstream, UpstreamError, UpstreamUnavailable

__all__ = ["Upstream", "UpstreamError", "UpstreamUnavailable"]
