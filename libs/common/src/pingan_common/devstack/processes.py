"""A tiny supervisor of child processes: start, log to a file (and the terminal), stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from pingan_common.infra._proc import die_with_parent, kill_tree, tail

_COLOURS = ["36", "33", "35", "32", "34", "96", "93", "95"]


class Console:
    """Line-atomic printing to the terminal, with an optional coloured name prefix."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.colour = self.stream.isatty() and "NO_COLOR" not in os.environ
        self._lock = threading.RLock()  # reentrant: signal handlers print too
        self._next = 0
        self._assigned: dict[str, str] = {}

    def say(self, text: str, *, name: str = "pingan", loud: bool = False) -> None:
        prefix = f"{name:<10} | "
        if self.colour:
            code = "1;31" if loud else self._colour_of(name)
            prefix = f"\x1b[{code}m{prefix}\x1b[0m"
        lines = "".join(prefix + line + "\n" for line in text.splitlines() or [""])
        with self._lock:
            try:
                self.stream.write(lines)
                self.stream.flush()
            except (OSError, ValueError):  # terminal gone: the log files still have it all
                pass

    def _colour_of(self, name: str) -> str:
        if name not in self._assigned:
            self._assigned[name] = _COLOURS[self._next % len(_COLOURS)]
            self._next += 1
        return self._assigned[name]


def set_priority(pid: int | None, nice: int) -> None:
    """Give ``pid`` this nice value: every thread of it (Linux nice values are per thread, and a
    thread inherits its creator's), and its autogroup. With autogroup scheduling on (the
    default, ``/proc/sys/kernel/sched_autogroup_enabled``), the CPU is shared between sessions
    first and a thread's nice counts only inside its own session; each service runs in a
    session of its own, so the autogroup's nice is what decides against the other services.

    The supervisor starts a restarted service at a higher priority and lowers it to 0 once the
    service is ready: on two busy cores, the imports of a restarting process otherwise take
    their turn behind the load it must take over. Not permitted (not root, no CAP_SYS_NICE) or
    gone: left as it is."""
    if pid is None:
        return
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    for thread in threads:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread, nice)
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


class Child:
    """One supervised child process, its output appended to ``log_path``.

    With a ``console`` each output line is also echoed to the terminal, prefixed by ``name``.
    The child runs in its own session (a Ctrl-C in the terminal reaches only the supervisor,
    which stops children in order) and gets SIGTERM if the supervisor dies.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        console: Console | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.console = console
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.log_start: int | None = None  # size of the log before our first start
        self._pump: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_start is None:
            self.log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child / the pump thread
        log.write(
            f"--- {time.strftime('%F %T')} starting {self.name}: {' '.join(self.argv)}\n".encode()
        )
        log.flush()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if self.console else log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        self.started_at = time.monotonic()
        if self.console:
            self._pump = threading.Thread(
                target=self._pump_output, args=(self.proc.stdout, log), daemon=True
            )
            self._pump.start()
        else:
            log.close()
        return self

    def _pump_output(self, pipe: IO[bytes], log: IO[bytes]) -> None:
        assert self.console is not None
        with log, pipe:
            for raw in iter(pipe.readline, b""):
                log.write(raw)
                log.flush()
                self.console.say(raw.decode("utf-8", errors="replace").rstrip("\n"), name=self.name)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines this supervisor's runs of the child wrote (not earlier runs')."""
        return tail(self.log_path, lines, start=self.log_start or 0)

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM); see ``wait``."""
        if self.alive:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.alive:
            assert self.proc is not None
            kill_tree(self.proc.pid)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the child to exit; True if it did."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        if self._pump is not None:
            self._pump.join(timeout=2)
        return True

    def stop(self, timeout: float = 15) -> None:
        self.terminate()
        if not self.wait(timeout):
            self.kill()
            self.wait(5)


def stop_all(
    children: Sequence[Child], timeout: float, hurry: threading.Event | None = None
) -> None:
    """SIGTERM all at once, wait up to ``timeout`` s (less on ``hurry``), then SIGKILL the rest."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + timeout
    while any(c.alive for c in children) and time.monotonic() < deadline:
        if hurry is not None and hurry.is_set():
            break
        time.sleep(0.05)
    for child in children:
        if child.alive:
            child.kill()
        child.wait(5)
