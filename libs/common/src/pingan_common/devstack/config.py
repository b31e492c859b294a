"""What the local stack runs and where: services and ports, and which infrastructure to start.

Any setting already in the caller's environment wins over the stack's defaults; in particular
``PINGAN_KAFKA_BOOTSTRAP_SERVERS`` means "use that Kafka, don't start Tansu" and setting every
``PINGAN_<SVC>_DATABASE_URL`` means "use those databases, don't start PostgreSQL".
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pingan_common.devstack.paths import RunPaths

# The services of the stack and their ports: the one place that lists them.
SERVICES: dict[str, int] = {
    "intake": 8001,
    "dispatch": 8002,
    "mediation": 8003,
    "riskassess": 8004,
    "notify": 8005,
    "console": 8000,
}
# The console is the web front: a client of the others, with no database of its own.
WITHOUT_DATABASE = frozenset({"console"})
HOST = "127.0.0.1"
# What the local stack turns on beyond each service's own defaults: demo data.
SERVICE_DEFAULTS: dict[str, dict[str, str]] = {
    # three months of task history, so the KPI endpoints have something to show
    "dispatch": {"PINGAN_DISPATCH_SEED_DEMO_HISTORY": "true"},
    # everything the local stack runs, webhook receivers included, listens on loopback
    "notify": {"PINGAN_NOTIFY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"},
}
ISSUER_PORT = 8009
ISSUER_URL = f"http://{HOST}:{ISSUER_PORT}"
SMS_GATEWAY_PORT = 8006
SMS_GATEWAY_URL = f"http://{HOST}:{SMS_GATEWAY_PORT}"
AUDIENCE = "pingan"
READY_TIMEOUT = 90.0
SERVICE_STOP_TIMEOUT = 15.0
RESTART_DELAY = 2.0


class StartupError(RuntimeError):
    """The stack could not start its infrastructure."""


def database_name(service: str) -> str:
    return f"pingan_{service}"


def database_services(services: list[str] | None = None) -> list[str]:
    """The services (of ``services``, default all) that own a database."""
    return [s for s in (SERVICES if services is None else services) if s not in WITHOUT_DATABASE]


def selected_services(env: dict[str, str]) -> list[str]:
    """All services, or the comma-separated subset in ``PINGAN_STACK_SERVICES``."""
    raw = env.get("PINGAN_STACK_SERVICES")
    if raw is None:
        return list(SERVICES)
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise StartupError(f"PINGAN_STACK_SERVICES: unknown {unknown}; known: {list(SERVICES)}")
    return names


@dataclass
class StackConfig:
    """What the stack runs and where, from the environment (the caller's settings win)."""

    paths: RunPaths
    env: dict[str, str]
    services: list[str]
    pg_port: int
    kafka_port: int
    start_postgres: bool
    start_kafka: bool
    start_issuer: bool
    start_sms_gateway: bool

    @classmethod
    def from_env(cls, paths: RunPaths, env: dict[str, str] | None = None) -> StackConfig:
        env = dict(os.environ if env is None else env)
        services = selected_services(env)
        return cls(
            paths=paths,
            env=env,
            services=services,
            pg_port=int(env.get("PINGAN_STACK_PG_PORT", "5432")),
            kafka_port=int(env.get("PINGAN_STACK_KAFKA_PORT", "9092")),
            # no services selected (an infra-only stack, e.g. for tests): still start it
            start_postgres=not (
                database_services(services)
                and all(
                    f"PINGAN_{s.upper()}_DATABASE_URL" in env for s in database_services(services)
                )
            ),
            start_kafka="PINGAN_KAFKA_BOOTSTRAP_SERVERS" not in env,
            start_issuer=env.get("PINGAN_AUTH_ISSUER", ISSUER_URL) == ISSUER_URL,
            # the SMS gateway simulator stands in for a real provider unless one is configured
            start_sms_gateway="notify" in services
            and env.get("PINGAN_NOTIFY_SMS_BASE_URL", SMS_GATEWAY_URL) == SMS_GATEWAY_URL,
        )

    @property
    def bootstrap_servers(self) -> str:
        return self.env.get("PINGAN_KAFKA_BOOTSTRAP_SERVERS", f"{HOST}:{self.kafka_port}")

    @property
    def jwks_file(self) -> Path:
        return self.paths.keys / "jwks.json"

    @property
    def sms_callback_token(self) -> str:
        """The token the SMS gateway's callbacks carry to notify: the caller's, or one made
        for this run directory and kept with the keys (a provider's callbacks must be
        authenticated, locally too)."""
        given = self.env.get("PINGAN_NOTIFY_SMS_CALLBACK_TOKEN")
        if given:
            return given
        path = self.paths.keys / "sms-callback-token"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(24))
            path.chmod(0o600)
        return path.read_text().strip()

    def service_env(self, service: str) -> dict[str, str]:
        """The service's environment: the stack's defaults under the caller's settings."""
        prefix = f"PINGAN_{service.upper()}_"
        defaults = {
            f"{prefix}PORT": str(SERVICES[service]),
            f"{prefix}HOST": HOST,
            "PINGAN_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "PINGAN_AUTH_ISSUER": ISSUER_URL,
            "PINGAN_AUTH_JWKS_FILE": str(self.jwks_file),
            "PINGAN_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
            **SERVICE_DEFAULTS.get(service, {}),
        }
        if service not in WITHOUT_DATABASE:
            defaults[f"{prefix}DATABASE_URL"] = (
                f"postgresql+asyncpg://postgres@{HOST}:{self.pg_port}/{database_name(service)}"
            )
        if service == "notify":
            defaults["PINGAN_NOTIFY_SMS_CALLBACK_TOKEN"] = self.sms_callback_token
        return {**defaults, **self.env}

    def service_port(self, service: str) -> int:
        return int(self.service_env(service)[f"PINGAN_{service.upper()}_PORT"])

    def service_url(self, service: str) -> str:
        env = self.service_env(service)
        prefix = f"PINGAN_{service.upper()}_"
        host = env[f"{prefix}HOST"]
        if host in ("0.0.0.0", "::", ""):
            host = HOST
        return f"http://{host}:{env[f'{prefix}PORT']}"
