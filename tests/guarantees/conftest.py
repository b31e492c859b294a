"""Helpers for the delivery-guarantee tests: events, topic reads, DB counts, service processes.

Everything runs on the real PostgreSQL and the real broker (the session fixtures), each test in
its own databases and Kafka namespace (``stack``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from pingan_common.bus.producer import EventProducer, OutgoingMessage
from pingan_common.events import TicketRegistered
from pingan_common.infra._proc import die_with_parent, tail
from pingan_common.infra.ports import free_port
from pingan_common.settings import KafkaSettings, ServiceSettings
from pingan_common.testing.services import eventually

STREET_LIGHT = {
    "channel": "hotline_12345",
    "description": "人民路和解放街路口的路灯坏了一个星期了，晚上很黑",
    "caller": {"name": "王女士", "phone": "138-0013-8000"},
    "location": {"lon": 119.75, "lat": 28.15},
}
TICKET_REGISTERED = "pingan.intake.ticket.registered.v1"
TASK_CREATED = "pingan.dispatch.task.created.v1"


def as_message(event: TicketRegistered, *, key: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        topic=event.topic,
        key=key or event.subject,
        value=event.to_json_bytes(),
        event_type=event.type,
        headers=(("ce_type", event.type.encode()), ("ce_id", str(event.id).encode())),
    )


async def produce(kafka: KafkaSettings, messages: Sequence[OutgoingMessage]) -> None:
    """Publish straight to the (namespaced) topics, as another service's relay would."""
    producer = EventProducer(kafka, service="guarantee-test")
    await producer.start()
    try:
        await producer.send_all(messages)
    finally:
        await producer.stop()


async def committed_total(kafka: KafkaSettings, group: str, logical_topic: str) -> int:
    """Sum of the group's committed offsets over the topic's partitions (read without joining)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=kafka.group(group),
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        name = kafka.topic(logical_topic)
        await consumer._client.force_metadata_update()
        total = 0
        for partition in sorted(consumer.partitions_for_topic(name) or ()):
            total += await consumer.committed(TopicPartition(name, partition)) or 0
        return total
    finally:
        await consumer.stop()


def plain_url(settings: ServiceSettings) -> str:
    return settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def sql(settings: ServiceSettings, query: str, *args: Any) -> Any:
    """One value from the service's own database, read directly."""
    conn = await asyncpg.connect(plain_url(settings))
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def rows(settings: ServiceSettings, query: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(plain_url(settings))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


class ServiceProcess:
    """``python -m pingan_<service>`` as a child process, the way it runs in production."""

    def __init__(self, service: str, settings: ServiceSettings, log_dir: Path, **env: str) -> None:
        self.service = service
        self.settings = settings
        self.port = free_port()
        self.log_path = log_dir / f"{service}-{self.port}.log"
        prefix = f"PINGAN_{service.upper()}_"
        kafka = settings.kafka
        self.env = {
            **os.environ,
            f"{prefix}DATABASE_URL": settings.database_url,
            f"{prefix}HOST": "127.0.0.1",
            f"{prefix}PORT": str(self.port),
            f"{prefix}DATABASE_POOL_SIZE": "5",
            "PINGAN_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "PINGAN_KAFKA_NAMESPACE": kafka.namespace,
            "PINGAN_KAFKA_SESSION_TIMEOUT_MS": str(kafka.session_timeout_ms),
            "PINGAN_KAFKA_HEARTBEAT_INTERVAL_MS": str(kafka.heartbeat_interval_ms),
            "PINGAN_KAFKA_DEFAULT_PARTITIONS": str(kafka.default_partitions),
            "PINGAN_KAFKA_HANDLER_BACKOFF_MS": str(kafka.handler_backoff_ms),
            "PINGAN_OUTBOX_POLL_INTERVAL_MS": "100",
            "PINGAN_OUTBOX_RETRY_BACKOFF_MS": "100",
            "PINGAN_AUTH_ISSUER": settings.auth.issuer,
            "PINGAN_AUTH_JWKS_FILE": str(settings.auth.jwks_file),
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", f"pingan_{self.service}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGKILL),
            )
        return self

    async def ready(self, within: float = 30) -> None:
        """Wait for /readyz: migrations done, broker reachable, consumers running."""

        async def probe() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                pytest.fail(f"{self.service} exited while starting:\n{tail(self.log_path)}")
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{self.base_url}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(probe, within=within, interval=0.1)

    def kill9(self) -> None:
        """The crash: no shutdown hooks, no relay flush, no offset commit, no LeaveGroup."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()

    async def metric(self, name: str, **labels: str) -> float:
        """Sum of a Prometheus sample in the process's /metrics over matching label sets."""
        async with httpx.AsyncClient(timeout=5) as client:
            text = (await client.get(f"{self.base_url}/metrics")).text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{"):
                continue
            head, value = line.rsplit(" ", 1)
            if all(f'{key}="{val}"' in head for key, val in labels.items()):
                total += float(value)
        return total


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Any]:
    """Start service processes; whatever is still running at the end is killed."""
    started: list[ServiceProcess] = []

    def start(service: str, settings: ServiceSettings, **env: str) -> ServiceProcess:
        process = ServiceProcess(service, settings, tmp_path, **env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill9()
