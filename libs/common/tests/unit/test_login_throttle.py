"""Failed sign-ins lock a key (a username, an address) for a while; locks grow with each
further lockout; a success clears the key."""

from __future__ import annotations

from pingan_common.auth.throttle import LoginThrottle, username_key


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, max_keys: int = 1000) -> LoginThrottle:
    return LoginThrottle(
        max_failures=3, window_s=60.0, lockout_s=10.0, max_lockout_s=40.0, max_keys=max_keys,
        clock=clock,
    )  # fmt: skip


def test_fewer_failures_than_the_limit_lock_nothing() -> None:
    clock = Clock()
    guard = throttle(clock)
    guard.failed(["operator1"])
    guard.failed(["operator1"])
    assert guard.retry_after(["operator1"]) == 0


def test_the_limit_locks_every_key_of_the_attempt_for_the_lockout() -> None:
    clock = Clock()
    guard = throttle(clock)
    for _ in range(3):
        guard.failed(["operator1", "10.0.0.1"])
    assert guard.retry_after(["operator1"]) == 10
    assert guard.retry_after(["dispatcher1", "10.0.0.1"]) == 10
    assert guard.retry_after(["dispatcher1", "10.0.0.9"]) == 0
    clock.now += 10
    assert guard.retry_after(["operator1", "10.0.0.1"]) == 0


def test_failures_outside_the_window_do_not_count() -> None:
    clock = Clock()
    guard = throttle(clock)
    guard.failed(["operator1"])
    guard.failed(["operator1"])
    clock.now += 61
    guard.failed(["operator1"])
    assert guard.retry_after(["operator1"]) == 0


def test_each_further_lockout_doubles_up_to_the_cap() -> None:
    clock = Clock()
    guard = throttle(clock)
    seen = []
    for _ in range(4):
        for _ in range(3):
            guard.failed(["operator1"])
        seen.append(guard.retry_after(["operator1"]))
        clock.now += seen[-1]
    assert seen == [10, 20, 40, 40]


def test_a_success_clears_the_key() -> None:
    clock = Clock()
    guard = throttle(clock)
    guard.failed(["operator1"])
    guard.failed(["operator1"])
    guard.succeeded("operator1")
    guard.failed(["operator1"])
    assert guard.retry_after(["operator1"]) == 0


def test_names_are_case_folded_and_trimmed() -> None:
    assert username_key(" Operator1 ") == username_key("operator1")


def test_the_records_are_bounded() -> None:
    clock = Clock()
    guard = throttle(clock, max_keys=2)
    for name in ("a", "b", "c"):
        guard.failed([name])
    assert len(guard._records) == 2
