"""The local stack: PostgreSQL, Tansu, the dev token issuer and the five services on loopback.

``run`` supervises everything in the foreground; ``up`` runs the same ``run`` detached and waits
for it; ``down`` sends it SIGTERM. The running stack records itself in ``.run/stack.pid`` and
``.run/stack.json`` (status and endpoints), which ``up``, ``down`` and ``status`` read.

Any setting already in the caller's environment wins over the stack's defaults; in particular
``PINGAN_KAFKA_BOOTSTRAP_SERVERS`` means "use that Kafka, don't start Tansu" and setting every
``PINGAN_<SVC>_DATABASE_URL`` means "use those databases, don't start PostgreSQL".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from pingan_common.devstack.paths import RunPaths
from pingan_common.devstack.processes import Child, Console, stop_all
from pingan_common.infra._proc import kill_tree, tail
from pingan_common.infra.ports import port_is_free, tcp_accepts

# The services of the stack and their ports: the one place that lists them.
SERVICES: dict[str, int] = {
    "intake": 8001,
    "dispatch": 8002,
    "mediation": 8003,
    "riskassess": 8004,
    "notify": 8005,
}
HOST = "127.0.0.1"
# What the local stack turns on beyond each service's own defaults: demo data.
SERVICE_DEFAULTS: dict[str, dict[str, str]] = {
    # three months of task history, so the KPI endpoints have something to show
    "dispatch": {"PINGAN_DISPATCH_SEED_DEMO_HISTORY": "true"},
}
ISSUER_PORT = 8009
ISSUER_URL = f"http://{HOST}:{ISSUER_PORT}"
SMS_GATEWAY_PORT = 8006
SMS_GATEWAY_URL = f"http://{HOST}:{SMS_GATEWAY_PORT}"
AUDIENCE = "pingan"
READY_TIMEOUT = 90.0
SERVICE_STOP_TIMEOUT = 15.0
RESTART_DELAY = 2.0


class StartupError(RuntimeError):
    """The stack could not start its infrastructure."""


def database_name(service: str) -> str:
    return f"pingan_{service}"


def selected_services(env: dict[str, str]) -> list[str]:
    """All services, or the comma-separated subset in ``PINGAN_STACK_SERVICES``."""
    raw = env.get("PINGAN_STACK_SERVICES")
    if raw is None:
        return list(SERVICES)
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise StartupError(f"PINGAN_STACK_SERVICES: unknown {unknown}; known: {list(SERVICES)}")
    return names


@dataclass
class StackConfig:
    """What the stack runs and where, from the environment (the caller's settings win)."""

    paths: RunPaths
    env: dict[str, str]
    services: list[str]
    pg_port: int
    kafka_port: int
    start_postgres: bool
    start_kafka: bool
    start_issuer: bool
    start_sms_gateway: bool

    @classmethod
    def from_env(cls, paths: RunPaths, env: dict[str, str] | None = None) -> StackConfig:
        env = dict(os.environ if env is None else env)
        services = selected_services(env)
        return cls(
            paths=paths,
            env=env,
            services=services,
            pg_port=int(env.get("PINGAN_STACK_PG_PORT", "5432")),
            kafka_port=int(env.get("PINGAN_STACK_KAFKA_PORT", "9092")),
            # no services selected (an infra-only stack, e.g. for tests): still start it
            start_postgres=not (
                services and all(f"PINGAN_{s.upper()}_DATABASE_URL" in env for s in services)
            ),
            start_kafka="PINGAN_KAFKA_BOOTSTRAP_SERVERS" not in env,
            start_issuer=env.get("PINGAN_AUTH_ISSUER", ISSUER_URL) == ISSUER_URL,
            # the SMS gateway simulator stands in for a real provider unless one is configured
            start_sms_gateway="notify" in services
            and env.get("PINGAN_NOTIFY_SMS_BASE_URL", SMS_GATEWAY_URL) == SMS_GATEWAY_URL,
        )

    @property
    def bootstrap_servers(self) -> str:
        return self.env.get("PINGAN_KAFKA_BOOTSTRAP_SERVERS", f"{HOST}:{self.kafka_port}")

    @property
    def jwks_file(self) -> Path:
        return self.paths.keys / "jwks.json"

    def service_env(self, service: str) -> dict[str, str]:
        """The service's environment: the stack's defaults under the caller's settings."""
        prefix = f"PINGAN_{service.upper()}_"
        defaults = {
            f"{prefix}PORT": str(SERVICES[service]),
            f"{prefix}HOST": HOST,
            f"{prefix}DATABASE_URL": (
                f"postgresql+asyncpg://postgres@{HOST}:{self.pg_port}/{database_name(service)}"
            ),
            "PINGAN_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "PINGAN_AUTH_ISSUER": ISSUER_URL,
            "PINGAN_AUTH_JWKS_FILE": str(self.jwks_file),
            "PINGAN_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
            **SERVICE_DEFAULTS.get(service, {}),
        }
        return {**defaults, **self.env}

    def service_port(self, service: str) -> int:
        return int(self.service_env(service)[f"PINGAN_{service.upper()}_PORT"])

    def service_url(self, service: str) -> str:
        env = self.service_env(service)
        prefix = f"PINGAN_{service.upper()}_"
        host = env[f"{prefix}HOST"]
        if host in ("0.0.0.0", "::", ""):
            host = HOST
        return f"http://{host}:{env[f'{prefix}PORT']}"


def probe_ready(url: str, timeout: float = 1.0) -> tuple[bool, str]:
    """GET ``url``/readyz: (answered 200, short description)."""
    try:
        response = httpx.get(f"{url}/readyz", timeout=timeout)
    except httpx.HTTPError as exc:
        return False, f"no answer ({type(exc).__name__})"
    if response.status_code == 200:
        return True, "ready"
    return False, f"/readyz {response.status_code}: {response.text[:200]}"


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
        self.postgres: Any = None
        self.broker: Any = None
        self.issuer: Child | None = None
        self.sms_gateway: Child | None = None
        self.services: dict[str, _Service] = {}
        self.status = "starting"
        self.error: str | None = None
        self._infra_dead: set[str] = set()

    # -- start --------------------------------------------------------------------------------

    def check_ports(self) -> None:
        """Fail early, and clearly, if a port we need is taken (e.g. by a stack not stopped)."""
        cfg = self.config
        wanted = [(f"service {n}", self.config.service_port(n)) for n in cfg.services]
        wanted += [("PostgreSQL", cfg.pg_port)] if cfg.start_postgres else []
        wanted += [("Tansu", cfg.kafka_port)] if cfg.start_kafka else []
        wanted += [("token issuer", ISSUER_PORT)] if cfg.start_issuer else []
        wanted += [("SMS gateway simulator", SMS_GATEWAY_PORT)] if cfg.start_sms_gateway else []
        taken = [f"{what} ({HOST}:{port})" for what, port in wanted if not port_is_free(port, HOST)]
        if taken:
            raise StartupError(
                f"ports in use: {', '.join(taken)}. Another Pingan stack or program holds them; "
                "`make down`, or see `ss -ltnp`"
            )

    def start_infra(self) -> None:
        cfg = self.config
        self.say(f"run dir {self.paths.root}")
        self.check_ports()
        if cfg.start_postgres:
            from pingan_common.infra.postgres import EmbeddedPostgres

            self.postgres = EmbeddedPostgres(
                self.paths.pg_data, port=cfg.pg_port, host=HOST, log_file=self.paths.log("postgres")
            )
            t0 = time.monotonic()
            try:
                self.postgres.start(timeout=60)
            except (RuntimeError, TimeoutError, OSError) as exc:
                raise StartupError(f"PostgreSQL did not start: {exc}") from exc
            took = time.monotonic() - t0
            try:
                created = self.postgres.ensure_databases(database_name(s) for s in SERVICES)
            except (OSError, ConnectionError) as exc:
                raise StartupError(f"could not create the databases: {exc!r}") from exc
            self.say(
                f"PostgreSQL 18 on {HOST}:{cfg.pg_port} (pid {self.postgres.pid}, {took:.2f}s)"
                + (f"; created {', '.join(created)}" if created else "")
            )
        else:
            self.say("PostgreSQL: using the PINGAN_<SVC>_DATABASE_URL settings given")
        if self.stopping.is_set():
            return
        if cfg.start_kafka:
            from pingan_common.infra.tansu import TansuBroker

            self.broker = TansuBroker(
                port=cfg.kafka_port, host=HOST, log_file=self.paths.log("tansu")
            )
            t0 = time.monotonic()
            try:
                self.broker.start(timeout=20)
            except (RuntimeError, TimeoutError, OSError) as exc:
                raise StartupError(f"Tansu did not start: {exc}") from exc
            self.say(
                f"Tansu broker on {self.broker.bootstrap_servers} (pid {self.broker.pid}, "
                f"{time.monotonic() - t0:.2f}s; memory storage: topics are lost when it stops)"
            )
        else:
            self.say(f"Kafka: using PINGAN_KAFKA_BOOTSTRAP_SERVERS={cfg.bootstrap_servers}")
        if self.stopping.is_set():
            return
        from pingan_common.auth.dev_issuer import ensure_keys

        ensure_keys(self.paths.keys)
        if cfg.start_issuer:
            self._start_issuer()
        if cfg.start_sms_gateway:
            self._start_sms_gateway()

    def _start_issuer(self) -> None:
        argv = [sys.executable, "-m", "pingan_common.devstack", "issuer"]
        self.issuer = self._start_helper(
            "issuer", [*argv, "--keys-dir", str(self.paths.keys)], ISSUER_PORT
        )
        self.say(f"dev token issuer on {ISSUER_URL} (pid {self.issuer.pid})")

    def _start_sms_gateway(self) -> None:
        argv = [sys.executable, "-m", "pingan_notify.sms_simulator"]
        argv += ["--host", HOST, "--port", str(SMS_GATEWAY_PORT)]
        notify = self.config.service_url("notify")
        argv += ["--inbound-callback-url", f"{notify}/v1/sms/inbound"]
        argv += ["--receipt-callback-url", f"{notify}/v1/sms/receipts"]
        self.sms_gateway = self._start_helper("sms-gateway", argv, SMS_GATEWAY_PORT)
        self.say(f"SMS gateway simulator on {SMS_GATEWAY_URL} (pid {self.sms_gateway.pid})")

    def _start_helper(self, name: str, argv: list[str], port: int) -> Child:
        """Start a small HTTP helper process and wait until its port accepts connections."""
        child = Child(
            name,
            argv,
            log_path=self.paths.log(name),
            env={**self.config.env, "PYTHONUNBUFFERED": "1"},
            cwd=self.paths.repo,
            console=self.console if self.echo else None,
        ).start()
        deadline = time.monotonic() + 30
        while not tcp_accepts(HOST, port):
            if not child.alive:
                raise StartupError(f"{name} exited with {child.returncode}:\n" + child.log_tail(20))
            if time.monotonic() > deadline or self.stopping.is_set():
                raise StartupError(f"{name} did not open port {port} in 30 s")
            time.sleep(0.05)
        return child

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
        for name, alive in (
            ("postgres", self.postgres is None or self.postgres.running),
            ("tansu", self.broker is None or self.broker.running),
            ("issuer", self.issuer is None or self.issuer.alive),
            ("sms-gateway", self.sms_gateway is None or self.sms_gateway.alive),
        ):
            if not alive and name not in self._infra_dead:
                self._infra_dead.add(name)
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
        for helper in (self.sms_gateway, self.issuer):
            if helper is not None:
                helper.stop(timeout=5)
        if self.broker is not None:
            self.say("stopping Tansu")
            self.broker.stop(timeout=2 if self.hurry.is_set() else 10)
        if self.postgres is not None:
            self.say("stopping PostgreSQL")
            self.postgres.stop(timeout=2 if self.hurry.is_set() else 15)
        self.say("stopped")

    # -- state --------------------------------------------------------------------------------

    def say(self, text: str, loud: bool = False) -> None:
        self.console.say(text, loud=loud)

    def state(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "pid": os.getpid(),
            "status": self.status,
            "error": self.error,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "run_dir": str(self.paths.root),
            "postgres": {
                "embedded": cfg.start_postgres,
                "url": f"postgresql://postgres@{HOST}:{cfg.pg_port}"
                if cfg.start_postgres
                else None,
                "pid": self.postgres.pid if self.postgres else None,
            },
            "kafka": {
                "embedded": cfg.start_kafka,
                "bootstrap_servers": cfg.bootstrap_servers,
                "pid": self.broker.pid if self.broker else None,
            },
            "issuer": {
                "url": ISSUER_URL,
                "embedded": cfg.start_issuer,
                "pid": _pid_if_alive(self.issuer),
            },
            "sms_gateway": {
                "url": SMS_GATEWAY_URL,
                "embedded": cfg.start_sms_gateway,
                "pid": _pid_if_alive(self.sms_gateway),
            },
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


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def read_state(paths: RunPaths) -> dict[str, Any] | None:
    try:
        return json.loads(paths.state_file.read_text())
    except (OSError, ValueError):
        return None


def stack_pid(paths: RunPaths) -> int | None:
    """The pid of the running stack supervisor, or None (stale pid files don't count)."""
    try:
        pid = int(paths.pid_file.read_text().strip())
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        if "pingan_common.devstack" not in " ".join(proc.cmdline()):
            return None
    except (OSError, ValueError, psutil.Error):
        return None
    return pid


def _pid_if_alive(child: Child | None) -> int | None:
    return child.pid if child is not None and child.alive else None


def summary(state: dict[str, Any]) -> str:
    lines = [f"Pingan is up (stack pid {state['pid']}, logs in {state['run_dir']}/logs)"]
    for name, svc in state["services"].items():
        mark = "" if svc["ready"] else "   (NOT READY)"
        lines.append(f"  {name:<11} {svc['url']:<24} docs {svc['url']}/docs{mark}")
    lines.append(
        f"  {'token':<11} {state['issuer']['url']}/token (password grant, password pingan-demo)"
        "   or: make token ROLE=operator [AREA=<code>]"
    )
    sms = state.get("sms_gateway") or {}
    if sms.get("embedded"):
        lines.append(f"  {'sms':<11} {sms['url']}/messages?to=<phone> (SMS gateway simulator)")
    pg = state["postgres"]
    if pg["embedded"]:
        lines.append(f"  {'postgres':<11} {pg['url']}/pingan_<service>")
    kafka = state["kafka"]
    note = "  (Tansu, memory storage)" if kafka["embedded"] else ""
    lines.append(f"  {'kafka':<11} {kafka['bootstrap_servers']}{note}")
    lines.append("  stop: make down (or Ctrl-C on make run); logs: make logs; status: make status")
    return "\n".join(lines)


# -- commands ---------------------------------------------------------------------------------


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


def status(paths: RunPaths) -> int:
    """Print which components answer; 0 if all do, 3 if the stack is not running, else 1."""
    pid = stack_pid(paths)
    state = read_state(paths) if pid is not None else None
    config = StackConfig.from_env(paths)
    if pid is None:
        print("stack       not running (make up)")
    else:
        print(f"stack       running, pid {pid}, {state.get('status') if state else 'unknown'}")
    rows: list[tuple[str, bool, str]] = []
    if state is None or state["postgres"]["embedded"]:
        rows.append(("postgres", tcp_accepts(HOST, config.pg_port), f"{HOST}:{config.pg_port}"))
    from pingan_common.infra.tansu import _metadata_ok

    servers = state["kafka"]["bootstrap_servers"] if state else config.bootstrap_servers
    host, _, port = servers.split(",")[0].rpartition(":")
    rows.append(("kafka", _metadata_ok(host or HOST, int(port)), servers))
    rows.append(("issuer", tcp_accepts(HOST, ISSUER_PORT), ISSUER_URL))
    if state is None or (state.get("sms_gateway") or {}).get("embedded"):
        rows.append(("sms-gateway", tcp_accepts(HOST, SMS_GATEWAY_PORT), SMS_GATEWAY_URL))
    urls = (
        {n: s["url"] for n, s in state["services"].items()}
        if state
        else {n: config.service_url(n) for n in config.services}
    )
    for name, url in urls.items():
        ok, what = probe_ready(url)
        rows.append((name, ok, f"{url}  {what}"))
    for name, ok, where in rows:
        print(f"{name:<11} {'up  ' if ok else 'DOWN'}  {where}")
    if pid is None:
        return 3
    return 0 if all(ok for _, ok, _ in rows) else 1
