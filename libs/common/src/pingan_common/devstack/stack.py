"""One local stack: the infrastructure, then the five services, supervised until it stops.

A component that dies (a service, PostgreSQL, Tansu, the issuer or the SMS gateway) is restarted
as often as it dies, with backoff (``backoff.RestartPolicy``: 0.5 s, 1 s, 2 s … at most 30 s; the
count starts afresh after a minute up); after ten quick deaths in a row it is left down while the
rest keep running. Each death and restart is said on the console and recorded in
``.run/stack.json`` (``make status`` shows the restarts). The commands that drive a ``Stack``
are in ``commands``; what it records about itself, in ``status``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pingan_common.devstack.backoff import RestartPolicy
from pingan_common.devstack.components import Infrastructure, check_ports
from pingan_common.devstack.config import (
    READY_TIMEOUT,
    RESTART_CAP,
    RESTART_FACTOR,
    RESTART_INITIAL,
    RESTART_MAX_FAILURES,
    RESTART_STABLE_AFTER,
    SERVICE_STOP_TIMEOUT,
    StackConfig,
    StartupError,
)
from pingan_common.devstack.processes import Child, Console, set_priority, stop_all
from pingan_common.devstack.status import probe_ready, write_json


def restart_policy() -> RestartPolicy:
    return RestartPolicy(
        initial=RESTART_INITIAL,
        factor=RESTART_FACTOR,
        cap=RESTART_CAP,
        stable_after=RESTART_STABLE_AFTER,
        max_failures=RESTART_MAX_FAILURES,
    )


@dataclass
class Restarts:
    """What the supervisor knows of one component's deaths and restarts."""

    policy: RestartPolicy = field(default_factory=restart_policy)
    restarts: int = 0
    restart_at: float | None = None  # monotonic time of the scheduled restart
    given_up: bool = False
    last_exit: str | None = None  # "code -9 at 2026-…, after 35.2 s up"
    last_restart_at: str | None = None  # wall clock

    def state(self) -> dict[str, Any]:
        waiting = self.restart_at
        return {
            "restarts": self.restarts,
            "given_up": self.given_up,
            "failures_in_a_row": self.policy.failures,
            "restart_in_s": round(max(0.0, waiting - time.monotonic()), 1)
            if waiting is not None
            else None,
            "last_exit": self.last_exit,
            "last_restart_at": self.last_restart_at,
        }


@dataclass
class _Service:
    name: str
    child: Child
    url: str
    ready: bool = False
    supervision: Restarts = field(default_factory=Restarts)
    last_probe: str = "not started"
    ready_after_restart: float | None = None  # seconds from the restart to /readyz 200

    @property
    def given_up(self) -> bool:
        return self.supervision.given_up

    @property
    def restart_at(self) -> float | None:
        return self.supervision.restart_at


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
        self.infra_restarts: dict[str, Restarts] = {}
        self.status = "starting"
        self.error: str | None = None

    # -- start --------------------------------------------------------------------------------

    def start_infra(self) -> None:
        self.say(f"run dir {self.paths.root}")
        check_ports(self.config)
        self.infra.start()
        self.infra_restarts = {name: Restarts() for name in self.infra.started()}

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
        """Restart what died, with backoff; give up on a component only after a bound."""
        now = time.monotonic()
        for svc in self.services.values():
            sup = svc.supervision
            if sup.given_up:
                continue
            if sup.restart_at is not None:
                if now >= sup.restart_at and not self.stopping.is_set():
                    sup.restart_at = None
                    sup.restarts += 1
                    sup.last_restart_at = _wall()
                    svc.ready = False
                    svc.last_probe = "restarted"
                    svc.child.start()
                    set_priority(svc.child.pid, self.config.restart_nice)
                    self.say(
                        f"restarted {svc.name} (pid {svc.child.pid}; restart {sup.restarts})",
                        loud=True,
                    )
                    self.write_state()
                continue
            if svc.child.proc is None or svc.child.alive:
                if (
                    svc.child.alive
                    and sup.policy.failures
                    and (now - svc.child.started_at >= sup.policy.stable_after)
                ):
                    sup.policy.on_stable()
                    self.say(f"{svc.name} has stayed up; its restart backoff starts afresh")
                    self.write_state()
                continue
            code = svc.child.returncode
            uptime = now - svc.child.started_at
            svc.ready = False
            svc.last_probe = f"exited with {code}"
            sup.last_exit = f"code {code} at {_wall()}, after {uptime:.1f} s up"
            delay = sup.policy.on_exit(uptime)
            log_tail = svc.child.log_tail(15)
            if delay is not None:
                sup.restart_at = now + delay
                self.say(
                    f"!!! {svc.name} exited unexpectedly (code {code}, after {uptime:.1f} s up); "
                    f"restarting it in {delay:.1f} s (death {sup.policy.failures} in a row of at "
                    f"most {sup.policy.max_failures}). Last lines of {svc.child.log_path}:\n"
                    f"{log_tail}",
                    loud=True,
                )
            else:
                sup.given_up = True
                if self.status == "ready":
                    self.status = "degraded"
                self.error = f"{svc.name} died {sup.policy.failures} times in a row; left down"
                self.say(
                    f"!!! {svc.name} died again (code {code}), {sup.policy.failures} quick deaths "
                    "in a row: leaving it down, the rest keep running. Fix it and restart the "
                    f"stack. Last lines:\n{log_tail}",
                    loud=True,
                )
            self.write_state()
        self._tick_infra(now)

    def _tick_infra(self, now: float) -> None:
        for name, sup in self.infra_restarts.items():
            if sup.given_up:
                continue
            if sup.restart_at is not None:
                if now < sup.restart_at or self.stopping.is_set():
                    continue
                sup.restart_at = None
                sup.restarts += 1
                sup.last_restart_at = _wall()
                try:
                    self.infra.restart(name)
                except StartupError as exc:
                    self.say(f"!!! {exc}", loud=True)  # dead again: the next tick schedules
                else:
                    note = (
                        " (memory storage: it came back empty; republish the outboxes, "
                        "docs/chaos.md)"
                        if name == "tansu"
                        else ""
                    )
                    self.say(
                        f"restarted {name} (pid {self.infra.pid(name)}; restart "
                        f"{sup.restarts}){note}",
                        loud=True,
                    )
                self.write_state()
                continue
            if self.infra.alive(name):
                if sup.policy.failures and self.infra.uptime(name) >= sup.policy.stable_after:
                    sup.policy.on_stable()
                continue
            uptime = self.infra.uptime(name)
            sup.last_exit = f"exited at {_wall()}, after {uptime:.1f} s up"
            delay = sup.policy.on_exit(uptime)
            if delay is None:
                sup.given_up = True
                if self.status == "ready":
                    self.status = "degraded"
                self.error = f"{name} keeps dying; left down"
                self.say(
                    f"!!! {name} died {sup.policy.failures} times in a row; leaving it down. "
                    f"See {self.paths.log(name)}",
                    loud=True,
                )
            else:
                sup.restart_at = now + delay
                self.say(
                    f"!!! {name} exited unexpectedly (after {uptime:.1f} s up); restarting it in "
                    f"{delay:.1f} s. See {self.paths.log(name)}",
                    loud=True,
                )
                if name == "tansu" and self.config.restart_services_with_broker:
                    self._restart_services_with_the_broker(sup.restart_at + 0.5)
            self.write_state()

    def _restart_services_with_the_broker(self, at: float) -> None:
        """Tansu lost everything: kill the services now and start them after it.

        Their consumers hold positions in the lost log; left running, they commit those into
        the empty broker (ahead of its new log end, where Tansu answers fetches with nothing),
        and skip what is published again there. Killed before the broker is back (SIGKILL, so
        no shutdown commits anything), they rejoin with no committed offsets and read the new
        log from its start: the outboxes' republish (docs/chaos.md) then reaches every one.
        """
        killed = []
        for svc in self.services.values():
            if svc.given_up or not svc.child.alive:
                continue
            svc.child.kill()
            svc.child.wait(5)
            svc.ready = False
            svc.last_probe = "killed with the broker"
            svc.supervision.restart_at = max(at, svc.supervision.restart_at or 0.0)
            svc.supervision.last_exit = f"killed with the broker at {_wall()}"
            killed.append(svc.name)
        if killed:
            self.say(
                f"!!! the broker lost its data: killed {', '.join(killed)} (their consumers' "
                "positions are in the lost log); they start again after it",
                loud=True,
            )

    def supervise(self) -> None:
        while not self.stopping.wait(0.25):
            self.tick()
            for svc in self.services.values():  # a restarted service: say when it is back
                if svc.ready or svc.given_up or svc.restart_at is not None or not svc.child.alive:
                    continue
                svc.ready, svc.last_probe = probe_ready(svc.url, timeout=0.5)
                if svc.ready:
                    set_priority(svc.child.pid, 0)
                    took = time.monotonic() - svc.child.started_at
                    svc.ready_after_restart = round(took, 2)
                    self.say(f"{svc.name} is ready again on {svc.url} ({took:.1f} s after start)")
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
                    **s.supervision.state(),
                    "ready_after_restart_s": s.ready_after_restart,
                }
                for s in self.services.values()
            },
            "infra_restarts": {name: sup.state() for name, sup in self.infra_restarts.items()},
            "restart_policy": restart_policy().describe(),
        }

    def write_state(self, status: str | None = None) -> None:
        if status is not None:
            self.status = status
        write_json(self.paths.state_file, self.state())


def _wall() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
