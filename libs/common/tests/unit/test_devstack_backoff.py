"""The local stack's restart policy: growing delays, capped, reset after a stable run, bounded
(pingan_common.devstack.backoff)."""

from __future__ import annotations

import pytest

from pingan_common.devstack.backoff import RestartPolicy
from pingan_common.devstack.stack import restart_policy


def test_the_delays_grow_from_the_initial_by_the_factor_up_to_the_cap():
    policy = RestartPolicy(initial=0.5, factor=2, cap=5, stable_after=60, max_failures=20)
    delays = [policy.on_exit(uptime=1.0) for _ in range(7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert policy.failures == 7


def test_a_process_that_stayed_up_starts_afresh():
    policy = RestartPolicy(initial=0.5, factor=2, cap=30, stable_after=60)
    assert [policy.on_exit(uptime=2) for _ in range(3)] == [0.5, 1.0, 2.0]
    # up long enough before this death: counted as the first again
    assert policy.on_exit(uptime=60) == 0.5
    assert policy.failures == 1
    assert policy.on_exit(uptime=59.9) == 1.0


def test_on_stable_forgets_the_deaths_while_the_process_runs():
    policy = RestartPolicy(initial=1, factor=3, cap=100, stable_after=10)
    policy.on_exit(uptime=1)
    policy.on_exit(uptime=1)
    policy.on_stable()
    assert policy.failures == 0
    assert policy.on_exit(uptime=1) == 1


def test_it_gives_up_after_the_bound_and_stays_given_up():
    policy = RestartPolicy(initial=0.1, factor=2, cap=1, stable_after=60, max_failures=3)
    assert [policy.on_exit(uptime=0.2) for _ in range(3)] == [0.1, 0.2, 0.4]
    assert policy.on_exit(uptime=0.2) is None
    assert policy.gave_up
    # even a long run afterwards does not bring it back: the supervisor has left it down
    assert policy.on_exit(uptime=3600) is None


def test_deaths_spread_out_never_give_up():
    policy = RestartPolicy(initial=0.5, stable_after=60, max_failures=2)
    assert all(policy.on_exit(uptime=61) == 0.5 for _ in range(100))


def test_huge_failure_counts_stay_at_the_cap():
    policy = RestartPolicy(initial=0.5, factor=2, cap=30)
    assert policy.delay(10_000) == 30
    assert policy.delay(0) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial": -1},
        {"initial": 10, "cap": 5},
        {"factor": 0.5},
        {"max_failures": 0},
        {"stable_after": 0},
    ],
)
def test_nonsense_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        RestartPolicy(**kwargs)


def test_the_stacks_policy_brings_a_killed_service_back_quickly_and_bounds_the_loop():
    policy = restart_policy()
    # a service killed once is restarted within a second
    assert policy.on_exit(uptime=300) <= 1.0
    # one that cannot start is retried for minutes, not for ever
    waited = sum(policy.on_exit(uptime=1) or 0 for _ in range(policy.max_failures - 1))
    assert 60 <= waited <= 300
    assert policy.on_exit(uptime=1) is None
    assert "give up after" in policy.describe()
