"""The stack's commands: ``run`` in the foreground, ``up`` detached and waited for, ``down``.

``run`` supervises everything in the foreground; ``up`` runs the same ``run`` detached and waits
for it; ``down`` sends it SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

from pingan_common.devstack.config import READY_TIMEOUT, StackConfig, StartupError
from pingan_common.devstack.paths import RunPaths
from pingan_common.devstack.processes import Console
from pingan_common.devstack.stack import Stack
from pingan_common.devstack.status import probe_ready, read_state, stack_pid, summary
from pingan_common.infra._proc import kill_tree, tail


def run(paths: RunPaths, *, echo: bool = True) -> int:
    """Foreground: start everything, supervise until SIGINT/SIGTERM, stop everything."""
    paths.ensure()
    console = Console()
    other = stack_pid(paths)
    if other is not None and other != os.getpid():
        console.say(f"Pingan is already running (pid {other}); `make down` stops it", loud=True)
        return 1
    try:
        config = StackConfig.from_env(paths)
    except StartupError as exc:
        console.say(str(exc), loud=True)
        return 2
    stack = Stack(config, console, echo=echo)

    first_signal_at: list[float] = []

    def on_signal(signum: int, _frame: object) -> None:
        # A Ctrl-C may reach us twice at once (from the terminal and forwarded by `uv run`);
        # only a second one a moment later means "hurry".
        if not first_signal_at:
            first_signal_at.append(time.monotonic())
            stack.stopping.set()
            console.say(f"got {signal.Signals(signum).name}, stopping (again to hurry)")
        elif time.monotonic() - first_signal_at[0] > 1.0 and not stack.hurry.is_set():
            stack.hurry.set()
            console.say("stopping now (killing what is left)", loud=True)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    paths.pid_file.write_text(f"{os.getpid()}\n")
    code = 0
    try:
        stack.write_state("starting")
        stack.start_infra()
        if not stack.stopping.is_set():
            stack.start_services()
            not_ready = stack.wait_ready()
            if not stack.stopping.is_set():
                if not_ready:
                    stack.report_not_ready(not_ready)
                    stack.error = f"not ready: {', '.join(not_ready)}"
                    stack.write_state("degraded")
                    console.say(
                        f"!!! {', '.join(not_ready)} not ready; the rest keep running", loud=True
                    )
                else:
                    stack.write_state("ready")
                    console.say(summary(stack.state()))
                stack.supervise()
    except StartupError as exc:
        stack.error = str(exc)
        stack.write_state("failed")
        console.say(f"!!! {exc}", loud=True)
        code = 1
    except Exception as exc:  # anything else: still stop what we started
        stack.error = repr(exc)
        stack.write_state("failed")
        console.say(f"!!! stack crashed: {exc!r}", loud=True)
        code = 1
        raise
    finally:
        try:
            stack.stop()
            if code == 0:
                stack.write_state("stopped")
        finally:
            if paths.pid_file.exists() and paths.pid_file.read_text().strip() == str(os.getpid()):
                paths.pid_file.unlink()
    return code


def up(paths: RunPaths, timeout: float = READY_TIMEOUT + 60) -> int:
    """Start ``run`` detached (session leader, output to .run/logs/stack.log) and wait for it."""
    paths.ensure()
    pid = stack_pid(paths)
    proc: subprocess.Popen[bytes] | None = None
    log_start = paths.stack_log.stat().st_size if paths.stack_log.exists() else 0
    if pid is not None:
        state = read_state(paths) or {}
        services = state.get("services") or {}
        first = next(iter(services.values()), None)
        if state.get("status") == "ready" and (first is None or probe_ready(first["url"])[0]):
            print("Pingan is already up")
            print(summary(state))
            return 0
        print(f"Pingan is starting (pid {pid}); waiting for it")
    else:
        paths.state_file.unlink(missing_ok=True)
        with open(paths.stack_log, "ab") as log:
            log.write(f"--- {time.strftime('%F %T')} make up\n".encode())
            log.flush()
            proc = subprocess.Popen(
                [sys.executable, "-m", "pingan_common.devstack", "run", "--no-echo"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=paths.repo,
                start_new_session=True,
            )
        pid = proc.pid
        print(f"starting Pingan in the background (pid {pid}; log {paths.stack_log})")
    deadline = time.monotonic() + timeout
    while True:
        state = read_state(paths) or {}
        status = state.get("status") if state.get("pid") == pid else None
        if status == "ready":
            print(summary(state))
            return 0
        exited = proc.poll() is not None if proc is not None else not psutil.pid_exists(pid)
        if status in ("failed", "degraded") or exited or time.monotonic() > deadline:
            why = state.get("error") or ("exited" if exited else f"not ready after {timeout:.0f} s")
            print(f"Pingan did not start: {why}\n--- last lines of {paths.stack_log}:")
            print(tail(paths.stack_log, 60, start=log_start))
            if not exited and proc is not None:  # ours: don't leave a broken stack behind
                down(paths, quiet=True)
            return 1
        time.sleep(0.25)


def down(paths: RunPaths, *, quiet: bool = False, timeout: float = 60) -> int:
    """SIGTERM the stack supervisor, wait for it (it stops its children), SIGKILL if stuck."""
    pid = stack_pid(paths)
    if pid is None:
        if not quiet:
            print("Pingan is not running")
        paths.pid_file.unlink(missing_ok=True)
        return 0
    if not quiet:
        print(f"stopping Pingan (pid {pid})")
    proc = psutil.Process(pid)
    proc.terminate()
    try:
        proc.wait(timeout)
    except psutil.TimeoutExpired:
        print(f"the stack did not stop in {timeout:.0f} s; killing it and its children")
        kill_tree(pid)
    except psutil.NoSuchProcess:
        pass
    paths.pid_file.unlink(missing_ok=True)
    if not quiet:
        print("Pingan stopped")
    return 0
