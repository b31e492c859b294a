"""What the local stack runs and where: services and ports, and which infrastructure to start.

Any setting already in the caller's environment wins over the stack's defaults; in particular
``PINGAN_KAFKA_BOOTSTRAP_SERVERS`` means "use that Kafka, don't start Tansu" and setting every
``PINGAN_<SVC>_DATABASE_URL`` means "use those databases, don't start PostgreSQL".

``PINGAN_STACK_PORT_OFFSET`` (default 0) moves every port of the stack by that much (services,
issuer, SMS gateway, PostgreSQL, Tansu), so a second stack can run beside the usual one in its
own ``PINGAN_RUN_DIR`` (the chaos test does).
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
PG_PORT = 5432
KAFKA_PORT = 9092
LOCAL_PARTITIONS = 2
# How the supervisor restarts a component that died (see ``backoff.RestartPolicy``): the first
# restart after half a second, then 1, 2, 4 … s, at most 30 s; a component that stayed up a
# minute starts afresh; ten quick deaths in a row and it is left down.
RESTART_INITIAL = 0.5
RESTART_FACTOR = 2.0
RESTART_CAP = 30.0
RESTART_STABLE_AFTER = 60.0
RESTART_MAX_FAILURES = 10


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


def _int(env: dict[str, str], name: str, default: int, *, low: int, high: int) -> int:
    try:
        value = int(env.get(name, str(default)))
    except ValueError as exc:
        raise StartupError(f"{name}: not a number: {exc}") from exc
    if not low <= value <= high:
        raise StartupError(f"{name}: between {low} and {high}")
    return value


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
    port_offset: int = 0
    # Kill and restart every service when Tansu dies (stack.py). Off by default: the consumers
    # recover from a lost log by themselves (bus/consumer.py), in seconds instead of the ~20 s
    # five services need to start together on two cores.
    restart_services_with_broker: bool = False
    # The nice value a restarted service starts at, until it is ready (processes.set_priority).
    restart_nice: int = -10

    @classmethod
    def from_env(cls, paths: RunPaths, env: dict[str, str] | None = None) -> StackConfig:
        env = dict(os.environ if env is None else env)
        services = selected_services(env)
        try:
            offset = int(env.get("PINGAN_STACK_PORT_OFFSET", "0"))
        except ValueError as exc:
            raise StartupError(f"PINGAN_STACK_PORT_OFFSET: not a number: {exc}") from exc
        if not 0 <= offset <= 50_000:
            raise StartupError("PINGAN_STACK_PORT_OFFSET: between 0 and 50000")
        issuer_url = f"http://{HOST}:{ISSUER_PORT + offset}"
        sms_url = f"http://{HOST}:{SMS_GATEWAY_PORT + offset}"
        return cls(
            paths=paths,
            env=env,
            services=services,
            pg_port=int(env.get("PINGAN_STACK_PG_PORT", str(PG_PORT + offset))),
            kafka_port=int(env.get("PINGAN_STACK_KAFKA_PORT", str(KAFKA_PORT + offset))),
            # no services selected (an infra-only stack, e.g. for tests): still start it
            start_postgres=not (
                database_services(services)
                and all(
                    f"PINGAN_{s.upper()}_DATABASE_URL" in env for s in database_services(services)
                )
            ),
            start_kafka="PINGAN_KAFKA_BOOTSTRAP_SERVERS" not in env,
            start_issuer=env.get("PINGAN_AUTH_ISSUER", issuer_url) == issuer_url,
            # the SMS gateway simulator stands in for a real provider unless one is configured
            start_sms_gateway="notify" in services
            and env.get("PINGAN_NOTIFY_SMS_BASE_URL", sms_url) == sms_url,
            port_offset=offset,
            restart_services_with_broker=env.get(
                "PINGAN_STACK_RESTART_SERVICES_WITH_BROKER", "false"
            ).lower()
            in ("1", "true", "yes"),
            restart_nice=_int(env, "PINGAN_STACK_RESTART_NICE", -10, low=-20, high=19),
        )

    @property
    def issuer_port(self) -> int:
        return ISSUER_PORT + self.port_offset

    @property
    def issuer_url(self) -> str:
        """The dev issuer's address, also the ``iss`` of its tokens."""
        return f"http://{HOST}:{self.issuer_port}"

    @property
    def sms_gateway_port(self) -> int:
        return SMS_GATEWAY_PORT + self.port_offset

    @property
    def sms_gateway_url(self) -> str:
        return f"http://{HOST}:{self.sms_gateway_port}"

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

    @property
    def partitions(self) -> int:
        """Partitions per topic on the local stack: 2, not the services' default of 6. Tansu
        re-reads every partition a waiting fetch covers, so an idle stack's broker CPU grows
        with their number; two still let two consumers of a group share the work."""
        return _int(self.env, "PINGAN_KAFKA_DEFAULT_PARTITIONS", LOCAL_PARTITIONS, low=1, high=64)

    def service_env(self, service: str) -> dict[str, str]:
        """The service's environment: the stack's defaults under the caller's settings."""
        prefix = f"PINGAN_{service.upper()}_"
        defaults = {
            f"{prefix}PORT": str(SERVICES[service] + self.port_offset),
            f"{prefix}HOST": HOST,
            "PINGAN_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "PINGAN_AUTH_ISSUER": self.issuer_url,
            "PINGAN_AUTH_JWKS_FILE": str(self.jwks_file),
            "PINGAN_LOG_FORMAT": "json",
            "PINGAN_KAFKA_DEFAULT_PARTITIONS": str(self.partitions),
            "PYTHONUNBUFFERED": "1",
            **SERVICE_DEFAULTS.get(service, {}),
        }
        if service not in WITHOUT_DATABASE:
            defaults[f"{prefix}DATABASE_URL"] = (
                f"postgresql+asyncpg://postgres@{HOST}:{self.pg_port}/{database_name(service)}"
            )
        if service == "notify":
            defaults["PINGAN_NOTIFY_SMS_CALLBACK_TOKEN"] = self.sms_callback_token
        if self.port_offset:  # the other services' addresses moved too
            defaults.update(self._moved_addresses(service))
        return {**defaults, **self.env}

    def _moved_addresses(self, service: str) -> dict[str, str]:
        def url(name: str) -> str:
            return f"http://{HOST}:{SERVICES[name] + self.port_offset}"

        if service == "notify":
            return {
                "PINGAN_NOTIFY_INTAKE_BASE_URL": url("intake"),
                # a session notice's party numbers (the keys match by default: notify's dev
                # key is the one mediation's contact-reader hash stands for)
                "PINGAN_NOTIFY_MEDIATION_BASE_URL": url("mediation"),
                "PINGAN_NOTIFY_RISKASSESS_BASE_URL": url("riskassess"),
                "PINGAN_NOTIFY_SMS_BASE_URL": self.sms_gateway_url,
            }
        if service == "console":
            moved = {f"PINGAN_CONSOLE_{n.upper()}_URL": url(n) for n in SERVICES if n != "console"}
            return {**moved, "PINGAN_CONSOLE_TOKEN_URL": f"{self.issuer_url}/token"}
        return {}

    def service_port(self, service: str) -> int:
        return int(self.service_env(service)[f"PINGAN_{service.upper()}_PORT"])

    def service_url(self, service: str) -> str:
        env = self.service_env(service)
        prefix = f"PINGAN_{service.upper()}_"
        host = env[f"{prefix}HOST"]
        if host in ("0.0.0.0", "::", ""):
            host = HOST
        return f"http://{host}:{env[f'{prefix}PORT']}"
