"""What the stack records about itself in ``.run/`` and what answers: ``status``, the summary.

The running stack writes ``.run/stack.pid`` and ``.run/stack.json`` (status and endpoints);
``up``, ``down`` and ``status`` read them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import psutil

from pingan_common.devstack.config import HOST, StackConfig
from pingan_common.devstack.paths import RunPaths
from pingan_common.infra.ports import tcp_accepts


def probe_ready(url: str, timeout: float = 1.0) -> tuple[bool, str]:
    """GET ``url``/readyz: (answered 200, short description)."""
    try:
        response = httpx.get(f"{url}/readyz", timeout=timeout)
    except httpx.HTTPError as exc:
        return False, f"no answer ({type(exc).__name__})"
    if response.status_code == 200:
        return True, "ready"
    return False, f"/readyz {response.status_code}: {response.text[:200]}"


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


def restarts_note(supervision: dict[str, Any], name: str) -> str:
    """``  restarts 2 (last: code -9 at …)``, ``restarting in 4.0 s``, ``GAVE UP``; or nothing."""
    entry = supervision.get("tansu" if name == "kafka" else name) or {}
    restarts = entry.get("restarts") or 0
    parts = []
    if restarts:
        parts.append(f"restarts {restarts}")
        if entry.get("last_exit"):
            parts[-1] += f" (last death: {entry['last_exit']})"
    if entry.get("restart_in_s") is not None:
        parts.append(f"restarting in {entry['restart_in_s']:.1f} s")
    if entry.get("given_up"):
        parts.append("GAVE UP (too many deaths in a row)")
    return "  " + "; ".join(parts) if parts else ""


def _url_accepts(url: str) -> bool:
    host, _, port = url.rpartition("//")[2].rpartition(":")
    return tcp_accepts(host or HOST, int(port))


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
    issuer_url = state["issuer"]["url"] if state else config.issuer_url
    rows.append(("issuer", _url_accepts(issuer_url), issuer_url))
    if state is None or (state.get("sms_gateway") or {}).get("embedded"):
        sms_url = (state or {}).get("sms_gateway", {}).get("url") or config.sms_gateway_url
        rows.append(("sms-gateway", _url_accepts(sms_url), sms_url))
    urls = (
        {n: s["url"] for n, s in state["services"].items()}
        if state
        else {n: config.service_url(n) for n in config.services}
    )
    for name, url in urls.items():
        ok, what = probe_ready(url)
        rows.append((name, ok, f"{url}  {what}"))
    supervision = {**(state or {}).get("infra_restarts", {}), **(state or {}).get("services", {})}
    for name, ok, where in rows:
        print(f"{name:<11} {'up  ' if ok else 'DOWN'}  {where}{restarts_note(supervision, name)}")
    if state and state.get("restart_policy"):
        print(f"restarts    {state['restart_policy']}")
    if pid is None:
        return 3
    return 0 if all(ok for _, ok, _ in rows) else 1
