"""The stack's infrastructure, in start order: PostgreSQL, Tansu, the keys, the dev token issuer
and the SMS gateway simulator. They start before the services and stop after them, in reverse;
one that dies is restarted by the stack's supervisor (``restart``), with backoff.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pingan_common.devstack.config import (
    HOST,
    StackConfig,
    StartupError,
    database_name,
    database_services,
)
from pingan_common.devstack.paths import RunPaths
from pingan_common.devstack.processes import Child, Console
from pingan_common.infra.ports import port_is_free, tcp_accepts


def check_ports(cfg: StackConfig) -> None:
    """Fail early, and clearly, if a port we need is taken (e.g. by a stack not stopped)."""
    wanted = [(f"service {n}", cfg.service_port(n)) for n in cfg.services]
    wanted += [("PostgreSQL", cfg.pg_port)] if cfg.start_postgres else []
    wanted += [("Tansu", cfg.kafka_port)] if cfg.start_kafka else []
    wanted += [("token issuer", cfg.issuer_port)] if cfg.start_issuer else []
    wanted += [("SMS gateway simulator", cfg.sms_gateway_port)] if cfg.start_sms_gateway else []
    taken = [f"{what} ({HOST}:{port})" for what, port in wanted if not port_is_free(port, HOST)]
    if taken:
        raise StartupError(
            f"ports in use: {', '.join(taken)}. Another Pingan stack or program holds them; "
            "`make down`, or see `ss -ltnp`"
        )


@dataclass
class Infrastructure:
    """Starts, watches and stops what the services need; ``stopping`` cuts a start short."""

    config: StackConfig
    console: Console
    echo: bool
    stopping: threading.Event
    postgres: Any = None
    broker: Any = None
    issuer: Child | None = None
    sms_gateway: Child | None = None
    # when each component last started (monotonic), for the restart policy's uptime
    started_at: dict[str, float] = field(default_factory=dict)

    @property
    def paths(self) -> RunPaths:
        return self.config.paths

    def start(self) -> None:
        """Each in turn, each waited for; stops early once ``stopping`` is set."""
        cfg = self.config
        if cfg.start_postgres:
            from pingan_common.infra.postgres import EmbeddedPostgres

            self.postgres = EmbeddedPostgres(
                self.paths.pg_data, port=cfg.pg_port, host=HOST, log_file=self.paths.log("postgres")
            )
            t0 = self.started_at["postgres"] = time.monotonic()
            try:
                self.postgres.start(timeout=60)
            except (RuntimeError, TimeoutError, OSError) as exc:
                raise StartupError(f"PostgreSQL did not start: {exc}") from exc
            took = time.monotonic() - t0
            try:
                created = self.postgres.ensure_databases(
                    database_name(s) for s in database_services()
                )
            except (OSError, ConnectionError) as exc:
                raise StartupError(f"could not create the databases: {exc!r}") from exc
            self.say(
                f"PostgreSQL 18 on {HOST}:{cfg.pg_port} (pid {self.postgres.pid}, {took:.2f}s)"
                + (f"; created {', '.join(created)}" if created else "")
            )
        else:
            self.say("PostgreSQL: using the PINGAN_<SVC>_DATABASE_URL settings given")
        if self.stopping.is_set():
            return
        if cfg.start_kafka:
            from pingan_common.infra.tansu import TansuBroker

            self.broker = TansuBroker(
                port=cfg.kafka_port, host=HOST, log_file=self.paths.log("tansu")
            )
            t0 = self.started_at["tansu"] = time.monotonic()
            try:
                self.broker.start(timeout=20)
            except (RuntimeError, TimeoutError, OSError) as exc:
                raise StartupError(f"Tansu did not start: {exc}") from exc
            self.say(
                f"Tansu broker on {self.broker.bootstrap_servers} (pid {self.broker.pid}, "
                f"{time.monotonic() - t0:.2f}s; memory storage: topics are lost when it stops)"
            )
        else:
            self.say(f"Kafka: using PINGAN_KAFKA_BOOTSTRAP_SERVERS={cfg.bootstrap_servers}")
        if self.stopping.is_set():
            return
        from pingan_common.auth.dev_issuer import ensure_keys

        ensure_keys(self.paths.keys)
        if cfg.start_issuer:
            self._start_issuer()
        if cfg.start_sms_gateway:
            self._start_sms_gateway()

    def _start_issuer(self) -> None:
        cfg = self.config
        argv = [sys.executable, "-m", "pingan_common.devstack", "issuer"]
        argv += ["--keys-dir", str(self.paths.keys), "--port", str(cfg.issuer_port)]
        argv += ["--issuer-url", cfg.issuer_url]
        self.issuer = self._start_helper("issuer", argv, cfg.issuer_port)
        self.say(f"dev token issuer on {cfg.issuer_url} (pid {self.issuer.pid})")

    def _start_sms_gateway(self) -> None:
        argv = [sys.executable, "-m", "pingan_notify.sms_simulator"]
        argv += ["--host", HOST, "--port", str(self.config.sms_gateway_port)]
        notify = self.config.service_url("notify")
        token = f"?token={self.config.sms_callback_token}"
        argv += ["--inbound-callback-url", f"{notify}/v1/sms/inbound{token}"]
        argv += ["--receipt-callback-url", f"{notify}/v1/sms/receipts{token}"]
        self.sms_gateway = self._start_helper("sms-gateway", argv, self.config.sms_gateway_port)
        self.say(
            f"SMS gateway simulator on {self.config.sms_gateway_url} (pid {self.sms_gateway.pid})"
        )

    def _start_helper(self, name: str, argv: list[str], port: int) -> Child:
        """Start a small HTTP helper process and wait until its port accepts connections."""
        child = Child(
            name,
            argv,
            log_path=self.paths.log(name),
            env={**self.config.env, "PYTHONUNBUFFERED": "1"},
            cwd=self.paths.repo,
            console=self.console if self.echo else None,
        ).start()
        self.started_at[name] = time.monotonic()
        self._wait_port(child, port)
        return child

    def _wait_port(self, child: Child, port: int) -> None:
        name = child.name
        deadline = time.monotonic() + 30
        while not tcp_accepts(HOST, port):
            if not child.alive:
                raise StartupError(f"{name} exited with {child.returncode}:\n" + child.log_tail(20))
            if time.monotonic() > deadline or self.stopping.is_set():
                raise StartupError(f"{name} did not open port {port} in 30 s")
            time.sleep(0.05)

    def started(self) -> list[str]:
        """The components this stack started (and so supervises), in start order."""
        return [
            name
            for name, component in (
                ("postgres", self.postgres),
                ("tansu", self.broker),
                ("issuer", self.issuer),
                ("sms-gateway", self.sms_gateway),
            )
            if component is not None
        ]

    def alive(self, name: str) -> bool:
        if name == "postgres":
            return self.postgres is None or bool(self.postgres.running)
        if name == "tansu":
            return self.broker is None or bool(self.broker.running)
        helper = self.issuer if name == "issuer" else self.sms_gateway
        return helper is None or helper.alive

    def uptime(self, name: str) -> float:
        return time.monotonic() - self.started_at.get(name, time.monotonic())

    def restart(self, name: str) -> None:
        """Start a component that died again, waiting until it answers. Raises StartupError.

        Tansu comes back empty (memory storage): topics, messages and the consumer groups'
        offsets are gone; the operators' recovery is to republish the outboxes (docs/chaos.md).
        """
        self.started_at[name] = time.monotonic()
        try:
            if name == "postgres" and self.postgres is not None:
                self.postgres.start(timeout=60)
            elif name == "tansu" and self.broker is not None:
                self.broker.start(timeout=20)
                self._recreate_topics()
            elif name == "issuer" and self.issuer is not None:
                self._wait_port(self.issuer.start(), self.config.issuer_port)
            elif name == "sms-gateway" and self.sms_gateway is not None:
                self._wait_port(self.sms_gateway.start(), self.config.sms_gateway_port)
        except (RuntimeError, TimeoutError, OSError) as exc:
            raise StartupError(f"{name} did not come back: {exc}") from exc

    def _recreate_topics(self) -> None:
        """The stack's topics with their partition counts and compaction, at once: a producer
        that gets there first has Tansu create a topic with its defaults (4 partitions, not
        compacted). Best effort: the services' producers and consumers recover either way."""
        import asyncio

        from pingan_common.bus.topics_admin import ensure_topics
        from pingan_common.events.topics import ALL_TOPICS
        from pingan_common.settings import KafkaSettings

        settings = KafkaSettings(
            bootstrap_servers=self.config.bootstrap_servers,
            default_partitions=self.config.partitions,
        )
        try:
            asyncio.run(ensure_topics(settings, ALL_TOPICS))
        except Exception as exc:  # the services create what they need when they start
            self.say(f"could not recreate the topics on the new broker: {exc!r}")

    def pid(self, name: str) -> int | None:
        if name == "postgres":
            return self.postgres.pid if self.postgres else None
        if name == "tansu":
            return self.broker.pid if self.broker else None
        return _pid_if_alive(self.issuer if name == "issuer" else self.sms_gateway)

    def stop(self, hurry: threading.Event) -> None:
        """Issuer and SMS gateway, then the broker, then PostgreSQL (quicker on ``hurry``)."""
        for helper in (self.sms_gateway, self.issuer):
            if helper is not None:
                helper.stop(timeout=5)
        if self.broker is not None:
            self.say("stopping Tansu")
            self.broker.stop(timeout=2 if hurry.is_set() else 10)
        if self.postgres is not None:
            self.say("stopping PostgreSQL")
            self.postgres.stop(timeout=2 if hurry.is_set() else 15)

    def say(self, text: str) -> None:
        self.console.say(text)

    def state(self) -> dict[str, Any]:
        """The components' part of ``.run/stack.json``."""
        cfg = self.config
        return {
            "postgres": {
                "embedded": cfg.start_postgres,
                "url": f"postgresql://postgres@{HOST}:{cfg.pg_port}"
                if cfg.start_postgres
                else None,
                "pid": self.postgres.pid if self.postgres else None,
            },
            "kafka": {
                "embedded": cfg.start_kafka,
                "bootstrap_servers": cfg.bootstrap_servers,
                "pid": self.broker.pid if self.broker else None,
            },
            "issuer": {
                "url": cfg.issuer_url,
                "embedded": cfg.start_issuer,
                "pid": _pid_if_alive(self.issuer),
            },
            "sms_gateway": {
                "url": cfg.sms_gateway_url,
                "embedded": cfg.start_sms_gateway,
                "pid": _pid_if_alive(self.sms_gateway),
            },
        }


def _pid_if_alive(child: Child | None) -> int | None:
    return child.pid if child is not None and child.alive else None
