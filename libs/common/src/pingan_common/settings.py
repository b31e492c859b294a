"""Settings shared by every service, read from the environment.

Infrastructure settings (broker, auth) have one global prefix so one variable points all five
services at the same Kafka; per-service settings (database, port) carry the service's prefix,
e.g. ``PINGAN_INTAKE_DATABASE_URL``.
"""

from __future__ import annotations

import ssl
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pingan_common.auth.settings import AuthSettings


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    # PLAINTEXT locally; SASL_SSL (or SSL) on a managed or Strimzi Kafka with authentication.
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    client_id_prefix: str = "pingan"
    # Prepended to every topic and consumer group: lets several stacks (or tests) share a broker.
    namespace: str = ""
    # Tansu rejects InitProducerId; real Kafka should turn this on.
    enable_idempotence: bool = False
    # The wait of a fetch while events flow. Tansu does not answer a waiting fetch when data
    # arrives: it re-reads the partitions at halving intervals, so an event waits up to about
    # half of this per hop, and a shorter wait costs the broker more reads. Measured with
    # scripts/bench_load.py at 5 tickets/s: 10 ms cost 222 ms of CPU a ticket (Tansu 76), 50 ms
    # 153 (Tansu 30) at the same POST → task p50 (35 and 32 ms); 100 ms saved little more
    # (138) and tripled that p95 (docs/performance.md).
    fetch_max_wait_ms: int = 50
    # While fetches come back empty the wait doubles (idle_backoff_factor) up to this; the first
    # record brings it back to fetch_max_wait_ms (bus/idle_backoff.py). On Tansu the first event
    # after a lull waits up to about half of it; Kafka answers at once. Set it to
    # fetch_max_wait_ms to poll at the short wait all the time.
    idle_fetch_max_wait_ms: int = 1_000
    idle_backoff_factor: float = 2.0
    # A consumer checks this often that no log was reset under it (a broker that lost its data,
    # bus/consumer.py); 0 turns the check off. The check reads only what the client already
    # knows (no request), so it runs after nearly every poll.
    position_check_interval_s: float = 0.2
    # aiokafka's fetcher wakes at least this often with nothing to do (its default is 200 ms);
    # new assignments, consumed records and fetch answers wake it at once anyway.
    consumer_timeout_ms: int = 1_000
    max_poll_records: int = 500
    # A consumer that died is noticed after session_timeout_ms, and a heartbeat costs Tansu and
    # the client a round trip (at 2 s / 6 s an idle stack used about 0.7 % of a core less). But
    # on Tansu a consumer's start() returns only once it has its partitions, and joining takes
    # about half the session timeout for a new group and longer after a restart (measured:
    # 2.0 s and 7.1 s at 3 s; 3.0 s and 11.1 s at 6 s), which a restarted service and the
    # pipeline after a broker loss wait for (docs/performance.md, docs/chaos.md).
    session_timeout_ms: int = 3_000
    heartbeat_interval_ms: int = 1_000
    create_topics: bool = True
    default_partitions: int = 6
    dlq_partitions: int = 1
    replication_factor: int = 1
    partitions: dict[str, int] = Field(default_factory=dict)
    handler_max_attempts: int = 4
    handler_backoff_ms: int = 100
    linger_ms: int = 0
    # How long the producer waits for an acknowledgement before the relay sees an error.
    request_timeout_ms: int = 10_000

    def connection(self) -> dict[str, Any]:
        """The keyword arguments every aiokafka client needs to reach the cluster."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = ssl.create_default_context(cafile=self.ssl_cafile)
        if self.security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.sasl_mechanism or "PLAIN"
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        return options

    def topic(self, logical: str) -> str:
        return f"{self.namespace}{logical}"

    def group(self, logical: str) -> str:
        return f"{self.namespace}{logical}"


class OutboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_OUTBOX_", extra="ignore")

    enabled: bool = True
    batch_size: int = 500
    # The fallback poll (a commit nudges the relay at once): this while rows keep coming,
    # doubling on each empty pass up to idle_poll_interval_ms.
    poll_interval_ms: int = 500
    idle_poll_interval_ms: int = 5_000
    retry_backoff_ms: int = 1_000
    retention_hours: int = 24 * 7
    cleanup_interval_s: int = 3_600


class ThrottleSettings(BaseSettings):
    """Limits of pingan_common.throttling: per API key, per unauthenticated address, lockout."""

    model_config = SettingsConfigDict(env_prefix="PINGAN_THROTTLE_", extra="ignore")

    enabled: bool = True
    # A county's third-party systems submit a few tickets a minute; a burst covers a backlog.
    api_key_per_s: float = 20.0
    api_key_burst: int = 100
    # Unauthenticated callers by address: Open311 readers and the SMS provider's callbacks.
    anonymous_per_s: float = 10.0
    anonymous_burst: int = 50
    # The SMS provider's callbacks, per callback token: a receipt for every message sent.
    callback_per_s: float = 200.0
    callback_burst: int = 1_000
    # Wrong API keys or callback tokens from one address before it is locked out.
    max_credential_failures: int = 10
    credential_window_s: float = 300.0
    lockout_s: float = 60.0
    max_lockout_s: float = 3_600.0


class ServiceSettings(BaseSettings):
    """Base for each service's settings; subclasses set ``env_prefix`` and defaults.

    A subclass names its secrets in ``SECRETS``. Their defaults are development values, known to
    everyone who reads this repository, so in production (``PINGAN_ENVIRONMENT=production``) a
    service refuses to start while any of them still has its default (InsecureDefaults).
    """

    model_config = SettingsConfigDict(extra="ignore")
    SECRETS: ClassVar[tuple[str, ...]] = ()

    # Global, like the broker: one variable says what kind of deployment all services are in
    # (dispatch also refuses its development clock offset in production).
    environment: Literal["development", "test", "production"] = Field(  # type: ignore[pydantic-alias]  # the global variable or the field's own name
        default="development", validation_alias=AliasChoices("PINGAN_ENVIRONMENT", "environment")
    )
    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    database_pool_size: int = 10
    migrate_on_start: bool = True
    load_demo_data: bool = True
    consumers_enabled: bool = True
    log_level: str = "INFO"
    # Larger request bodies are refused with 413 before they are parsed (body_limit.py).
    max_body_bytes: int = 1024 * 1024
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    throttle: ThrottleSettings = Field(default_factory=ThrottleSettings)

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> ServiceSettings:
        _refuse_development_secrets(self)
        return self


class InsecureDefaults(ValueError):
    """Production settings that still hold a development secret."""


def _refuse_development_secrets(settings: ServiceSettings) -> None:
    if settings.environment != "production":
        return
    prefix = str(type(settings).model_config.get("env_prefix", ""))
    left = [
        f"{prefix}{name}".upper()
        for name in type(settings).SECRETS
        if getattr(settings, name) == type(settings).model_fields[name].default
    ]
    if left:
        raise InsecureDefaults(
            f"production settings still hold development secrets; set {', '.join(left)}"
        )
