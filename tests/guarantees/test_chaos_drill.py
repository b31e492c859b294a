"""The chaos drill, bounded, in the suite: a local stack of its own, a stream of tickets, the
broker lost (Tansu restarted empty, the outboxes republished), PostgreSQL restarted, intake
killed with -9 and two poison records injected; then every ticket is reconciled from the REST
APIs — none lost, none doubled, every timeline whole, every receipt delivered, and nothing in
the dead-letter topics but the poison.

The stack is the real one (``python -m pingan_common.devstack up``: embedded PostgreSQL, Tansu,
the issuer, the SMS gateway simulator and the five services as processes, the supervisor
restarting what dies) in its own run directory and on its own ports (PINGAN_STACK_PORT_OFFSET),
so it runs beside a developer's ``make up`` and the session's fixtures. The drill is
scripts/chaos.py with a small profile; ``make chaos`` runs the full one (docs/chaos.md).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pingan_common.devstack.config import (
    ISSUER_PORT,
    KAFKA_PORT,
    PG_PORT,
    SERVICES,
    SMS_GATEWAY_PORT,
)
from pingan_common.infra._proc import tail
from pingan_common.infra.ports import port_is_free

pytestmark = [pytest.mark.guarantee, pytest.mark.timeout(420)]

REPO = Path(__file__).resolve().parents[2]
FIVE = ["intake", "dispatch", "mediation", "riskassess", "notify"]


def _free_offset() -> int:
    ports = [*(SERVICES[s] for s in FIVE), ISSUER_PORT, SMS_GATEWAY_PORT, PG_PORT, KAFKA_PORT]
    for _ in range(200):
        # Below the kernel's ephemeral range (32768 and up): there, any outgoing connection of
        # the busy suite may take a port between this check and the service's bind, and the
        # service dies at start-up (seen in CI: mediation restarted four times before the drill).
        offset = random.randrange(10_000, 32_768 - max(ports))
        if all(port_is_free(port + offset) for port in ports):
            return offset
    raise RuntimeError("no free block of ports for a second stack")


@pytest.fixture
def own_stack() -> Iterator[dict[str, str]]:
    # Not under pytest's temp root: PostgreSQL runs as a system user that must traverse the
    # parents, and each pytest session resets /tmp/pytest-of-root to 0700 (testing/infra.py).
    run_dir = Path(tempfile.mkdtemp(prefix="pingan-chaos-"))
    env = {
        **os.environ,
        "PINGAN_RUN_DIR": str(run_dir),
        "PINGAN_STACK_PORT_OFFSET": str(_free_offset()),
        "PINGAN_STACK_SERVICES": ",".join(FIVE),
        "PINGAN_DISPATCH_SEED_DEMO_HISTORY": "false",  # a quicker start; not needed here
        # every receipt must be delivered, at any hour of the county's day
        "PINGAN_NOTIFY_QUIET_HOURS_START": "00:00",
        "PINGAN_NOTIFY_QUIET_HOURS_END": "00:00",
    }
    for name in list(env):  # this test's stack, not the session's broker and databases
        if name.startswith(("PINGAN_KAFKA_", "PINGAN_AUTH_")) or name.endswith("_DATABASE_URL"):
            env.pop(name)
    devstack = [sys.executable, "-m", "pingan_common.devstack"]
    try:
        up = subprocess.run(
            [*devstack, "up"], cwd=REPO, env=env, capture_output=True, text=True, timeout=240
        )
        if up.returncode != 0:
            pytest.fail(f"the stack did not start:\n{up.stdout}\n{up.stderr}")
        yield env
    finally:
        subprocess.run([*devstack, "down"], cwd=REPO, env=env, capture_output=True, timeout=120)
        shutil.rmtree(run_dir, ignore_errors=True)


def test_no_ticket_is_lost_or_doubled_through_broker_loss_database_restart_kill_and_poison(
    own_stack: dict[str, str],
) -> None:
    out = Path(own_stack["PINGAN_RUN_DIR"]) / "chaos"
    profile = {
        "--faults": "broker,pg-restart,kill:intake,poison",
        "--tickets": "90",
        "--rate": "3",
        "--warmup": "3",
        "--gap": "2",
        "--settle": "90",
        "--recovery-timeout": "60",
        "--out": str(out),
    }
    drill = subprocess.run(
        [sys.executable, "scripts/chaos.py", *(part for item in profile.items() for part in item)],
        cwd=REPO,
        env=own_stack,
        capture_output=True,
        text=True,
        timeout=300,
    )
    stack_log = Path(own_stack["PINGAN_RUN_DIR"]) / "logs" / "stack.log"
    context = f"{drill.stdout}\n{drill.stderr}\n--- stack log:\n{tail(stack_log, 40)}"
    assert (out / "latest.json").exists(), context
    result = json.loads((out / "latest.json").read_text())

    assert result["submitted"] == 90, context
    assert result["accepted"] == 90, context
    assert result["lost"] == 0, context
    assert result["doubled"] == 0, context
    assert result["incomplete_timelines"] == 0, context
    assert result["undelivered_receipts"] == 0, context
    assert set(result["receipt_statuses"]) == {"delivered"}, context
    assert result["accepted_but_unanswered"] == [], context
    faults = {fault["fault"]: fault for fault in result["faults"]}
    assert faults.keys() == {"broker", "pg-restart", "kill:intake", "poison"}
    assert all(fault["recovered"] for fault in faults.values()), context
    # each group that reads the topic dead-lettered both poison records, and nothing else is
    # in a dead-letter topic
    assert set(faults["poison"]["details"]["dead_lettered_by"].values()) == {2}, context
    assert result["dead_letters_unexpected"] == {}, context
    assert len(result["dead_letters_expected"]) == 4, context
    # the operators' recovery ran on every service and found the lost events in the outboxes
    republished = faults["broker"]["details"]["republished_rows"]
    assert set(republished) == set(FIVE), context
    assert all(isinstance(rows, int) for rows in republished.values()), context
    assert republished["intake"] > 0, context
    # the supervisor brought back what was killed, and says so: Tansu, PostgreSQL and intake
    # once each; the other services rode out the broker loss and the restart of PostgreSQL
    assert result["supervisor"]["tansu"]["restarts"] == 1, context
    assert result["supervisor"]["postgres"]["restarts"] == 1, context
    assert result["supervisor"]["intake"]["restarts"] == 1, context
    assert all(result["supervisor"][name]["restarts"] == 0 for name in FIVE[1:]), context
    assert drill.returncode == 0, context
    print(drill.stdout)  # the drill's report, in the test output
