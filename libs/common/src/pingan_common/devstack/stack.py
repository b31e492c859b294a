"""One local stack: the infrastructure, then the five services, supervised until it stops.

A service that dies is restarted once (after 2 s); one that dies again is left down while the
rest keep running. Infrastructure that dies is reported. The commands that drive a ``Stack``
are in ``commands``; what it records about itself, in ``status``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pingan_common.devstack.components import Infrastructure, check_ports
from pingan_common.devstack.config import (
    READY_TIMEOUT,
    RESTART_DELAY,
    SERVICE_STOP_TIMEOUT,
    StackConfig,
)
from pingan_common.devstack.processes import Child, Console, stop_all
from pingan_common.devstack.status import probe_ready, write_json


@dataclass
class _Service:
    name: str
    child: Child
    url: str
    ready: bool = False
    restarts: int = 0
    restart_at: float | None = None
    given_up: bool = False
    last_probe: str = "not started"


@dataclass
class Stack:
    """Starts, supervises and stops the components of one local stack."""

    config: StackConfig
    console: Console
    echo: bool = True
    stopping: threading.Event = field(default_factory=threading.Event)
    hurry: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.paths = self.config.paths
        self.infra = Infrastructure(self.config, self.console, self.echo, self.stopping)
        self.services: dict[str, _Service] = {}
        self.status = "starting"
        self.error: str | None = None

    # -- start --------------------------------------------------------------------------------

    def start_infra(self) -> None:
        self.say(f"run dir {self.paths.root}")
        check_ports(self.config)
        self.infra.start()

    def start_services(self) -> None:
        for name in self.config.services:
            child = Child(
                name,
                [sys.executable, "-m", f"pingan_{name}"],
                log_path=self.paths.log(name),
                env=self.config.service_env(name),
                cwd=self.paths.repo,
                console=self.console if self.echo else None,
            )
            self.services[name] = _Service(name, child.start(), self.config.service_url(name))
        if self.services:
            self.say(f"started {', '.join(self.services)}; waiting for /readyz")

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> list[str]:
        """Wait until every service's /readyz answers 200; returns the ones that didn't."""
        deadline = time.monotonic() + timeout
        while not self.stopping.is_set():
            self.tick()
            waiting = [s for s in self.services.values() if not s.ready]
            for svc in waiting:
                if svc.child.alive:
                    svc.ready, svc.last_probe = probe_ready(svc.url)
                    if svc.ready:
                        took = time.monotonic() - svc.child.started_at
                        self.say(f"{svc.name} ready on {svc.url} ({took:.1f}s)")
                else:
                    svc.last_probe = f"exited with {svc.child.returncode}"
            waiting = [s for s in waiting if not s.ready]
            if not waiting or all(s.given_up for s in waiting) or time.monotonic() > deadline:
                return [s.name for s in waiting]
            time.sleep(0.25)
        return [s.name for s in self.services.values() if not s.ready]

    def report_not_ready(self, names: list[str]) -> None:
        for name in names:
            svc = self.services[name]
            self.say(f"{name} is not ready: {svc.last_probe}", loud=True)
            log_tail = svc.child.log_tail(25)
            self.say(
                f"last lines of {svc.child.log_path}:\n{log_tail}" if log_tail else "(empty log)",
                loud=True,
            )

    # -- supervise ----------------------------------------------------------------------------

    def tick(self) -> None:
        """Restart a service that died once (after 2 s); report infrastructure that died."""
        now = time.monotonic()
        for svc in self.services.values():
            if svc.given_up:
                continue
            if svc.restart_at is not None:
                if now >= svc.restart_at:
                    svc.restart_at = None
                    svc.restarts += 1
                    svc.ready = False
                    svc.child.start()
                    self.say(f"restarted {svc.name} (pid {svc.child.pid})", loud=True)
                continue
            if svc.child.proc is None or svc.child.alive:
                continue
            code = svc.child.returncode
            svc.ready = False
            log_tail = svc.child.log_tail(15)
            if svc.restarts == 0:
                self.say(
                    f"!!! {svc.name} exited unexpectedly (code {code}); restarting it in "
                    f"{RESTART_DELAY:.0f} s. Last lines of {svc.child.log_path}:\n{log_tail}",
                    loud=True,
                )
                svc.restart_at = now + RESTART_DELAY
            else:
                svc.given_up = True
                if self.status == "ready":
                    self.status = "degraded"
                    self.error = f"{svc.name} died twice"
                self.say(
                    f"!!! {svc.name} died again (code {code}); leaving it down, the rest keep "
                    f"running. Fix it and restart the stack. Last lines:\n{log_tail}",
                    loud=True,
                )
            self.write_state()
        for name in self.infra.newly_dead():
            self.say(f"!!! {name} exited unexpectedly; see {self.paths.log(name)}", loud=True)
            self.write_state()

    def supervise(self) -> None:
        while not self.stopping.wait(0.5):
            self.tick()
            for svc in self.services.values():  # a restarted service: say when it is back
                if svc.ready or svc.given_up or svc.restart_at is not None or not svc.child.alive:
                    continue
                svc.ready, svc.last_probe = probe_ready(svc.url, timeout=0.5)
                if svc.ready:
                    self.say(f"{svc.name} is ready again on {svc.url}")
                    self.write_state()

    # -- stop ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """Services first (SIGTERM, up to 15 s, then SIGKILL), then issuer, broker, PostgreSQL."""
        if self.status != "failed":
            self.write_state("stopping")
        children = [s.child for s in self.services.values() if s.child.alive]
        if children:
            self.say(f"stopping {', '.join(c.name for c in children)}")
            stop_all(children, SERVICE_STOP_TIMEOUT, self.hurry)
        self.infra.stop(self.hurry)
        self.say("stopped")

    # -- state --------------------------------------------------------------------------------

    def say(self, text: str, loud: bool = False) -> None:
        self.console.say(text, loud=loud)

    def state(self) -> dict[str, Any]:
        """What ``.run/stack.json`` holds: status, endpoints, pids."""
        return {
            "pid": os.getpid(),
            "status": self.status,
            "error": self.error,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "run_dir": str(self.paths.root),
            **self.infra.state(),
            "services": {
                s.name: {
                    "url": s.url,
                    "pid": s.child.pid if s.child.alive else None,
                    "ready": s.ready,
                    "restarts": s.restarts,
                    "given_up": s.given_up,
                }
                for s in self.services.values()
            },
        }

    def write_state(self, status: str | None = None) -> None:
        if status is not None:
            self.status = status
        write_json(self.paths.state_file, self.state())
