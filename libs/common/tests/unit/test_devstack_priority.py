"""A restarted service's priority: every thread of the process gets the nice value, and an
unknown or vanished process is no error."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from pingan_common.devstack.processes import set_priority

pytestmark = pytest.mark.unit

TWO_THREADS = (
    "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); "
    "print('up', flush=True); time.sleep(30)"
)


def _nice_of_threads(pid: int) -> list[int]:
    return [os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir(f"/proc/{pid}/task")]


def _autogroup_nice(pid: int) -> int | None:
    """The session's autogroup nice ("/autogroup-123 nice 7"), None without autogroups."""
    try:
        return int(open(f"/proc/{pid}/autogroup").read().split()[-1])
    except OSError:
        return None


def test_every_thread_gets_the_nice_value_and_can_go_back() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", TWO_THREADS], stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"up\n"
        deadline = time.monotonic() + 5
        while len(os.listdir(f"/proc/{child.pid}/task")) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)

        set_priority(child.pid, 7)  # lowering priority needs no privilege
        assert _nice_of_threads(child.pid) == [7, 7]
        assert _autogroup_nice(child.pid) in (7, None)
        if os.geteuid() == 0:
            set_priority(child.pid, -10)
            assert _nice_of_threads(child.pid) == [-10, -10]
            assert _autogroup_nice(child.pid) in (-10, None)
            set_priority(child.pid, 0)
            assert _nice_of_threads(child.pid) == [0, 0]
            assert _autogroup_nice(child.pid) in (0, None)
    finally:
        child.kill()
        child.wait()


def test_no_process_or_a_gone_one_is_left_alone() -> None:
    set_priority(None, -5)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    set_priority(gone.pid, -5)  # no such process any more: nothing raised
