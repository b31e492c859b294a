"""The console's settings, from ``PINGAN_CONSOLE_*`` (the services' addresses, the issuer, the
session policy) and ``PINGAN_AUTH_*`` (how tokens are verified, shared with the services)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pingan_common.auth.settings import AuthSettings

UPSTREAMS = ("intake", "dispatch", "mediation", "riskassess", "notify")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_CONSOLE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    intake_url: str = "http://127.0.0.1:8001"
    dispatch_url: str = "http://127.0.0.1:8002"
    mediation_url: str = "http://127.0.0.1:8003"
    riskassess_url: str = "http://127.0.0.1:8004"
    notify_url: str = "http://127.0.0.1:8005"
    # Where the password grant is sent: the local stack's development issuer. A county's real
    # identity provider would use the authorization-code flow instead (see docs/console.md).
    token_url: str = "http://127.0.0.1:8009/token"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    # A session ends after this long without a request, and never outlives its access token.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    max_sessions: int = Field(default=10_000, ge=1)
    # Secure cookies need HTTPS; the local stack serves plain HTTP on loopback.
    cookie_secure: bool = False
    auth: AuthSettings = Field(default_factory=AuthSettings)

    def upstream_url(self, service: str) -> str:
        if service not in UPSTREAMS:
            raise ValueError(f"unknown service {service!r}")
        url: str = getattr(self, f"{service}_url")
        return url.rstrip("/")
