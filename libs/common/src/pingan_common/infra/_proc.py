"""Helpers shared by the child processes we supervise (PostgreSQL, Tansu, services)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
from collections.abc import Callable

import psutil

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to send ``sig`` to the child when its parent dies.

    Covers a supervisor killed with SIGKILL: its children don't linger holding the ports.
    Linux only (returns None elsewhere). Spawn from a long-lived thread: the signal fires when
    the *thread* that forked the child exits.
    """
    if os.uname().sysname != "Linux":
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # resolved before fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), int(sig))

    return preexec


def stop_process(
    proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 15.0
) -> int | None:
    """Send ``sig``, wait up to ``timeout`` s, then SIGKILL the process and its children."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(sig)
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        return proc.wait(5)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (ignores ones already gone)."""
    try:
        parent = psutil.Process(pid)
        procs = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(procs, timeout=5)


def tail(path: os.PathLike[str] | str, lines: int = 40, *, start: int = 0) -> str:
    """The last ``lines`` lines of a text file after byte ``start`` ("" if there is none)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(start, size - 64 * 1024))
            data = f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])
