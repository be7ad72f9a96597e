"""The login throttle's arithmetic, on a clock the test moves: per name, per address, the
sliding window, and what a success forgets (issue 10, "Hardening")."""

from __future__ import annotations

from shared.web import authentication
from shared.web.authentication import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_name_waits_after_its_failures_and_the_window_forgets_them() -> None:
    clock = Clock()
    throttle = LoginThrottle(failures=3, window=60.0, address_failures=100, clock=clock)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # from anywhere: the name counts
        assert throttle.retry_after("mario", address) == 0
        throttle.failed("mario", address)
        clock.now += 1
    assert throttle.retry_after("mario", "10.0.0.9") == 58  # until the first failure ages out
    assert throttle.retry_after("luisa", "10.0.0.9") == 0  # another name is not slowed
    clock.now += 58
    assert throttle.retry_after("mario", "10.0.0.9") == 0


def test_an_address_waits_after_many_failures_whatever_the_names() -> None:
    clock = Clock()
    throttle = LoginThrottle(failures=3, window=300.0, address_failures=5, clock=clock)
    for attempt in range(5):
        name = f"utente{attempt}"
        assert throttle.retry_after(name, "10.0.0.1") == 0
        throttle.failed(name, "10.0.0.1")
    assert throttle.retry_after("chiunque", "10.0.0.1") == 301
    assert throttle.retry_after("chiunque", "10.0.0.2") == 0  # another address is not slowed
    assert throttle.retry_after("chiunque") == 0  # no address given: the name's limit only
    throttle.succeeded("utente0")  # a success forgets the name's failures, not the address's
    assert throttle.retry_after("utente0", "10.0.0.1") == 301
    clock.now += 301
    assert throttle.retry_after("utente0", "10.0.0.1") == 0


def test_a_success_forgets_the_names_failures() -> None:
    clock = Clock()
    throttle = LoginThrottle(failures=2, window=300.0, clock=clock)
    throttle.failed("mario", "10.0.0.1")
    throttle.failed("mario", "10.0.0.1")
    assert throttle.retry_after("mario", "10.0.0.1") > 0
    throttle.succeeded("mario")
    assert throttle.retry_after("mario", "10.0.0.1") == 0


def test_a_spray_of_names_leaves_nothing_behind_once_it_is_old() -> None:
    clock = Clock()
    throttle = LoginThrottle(failures=3, window=60.0, address_failures=10**9, clock=clock)
    for attempt in range(authentication._TRACKED + 1):
        throttle.failed(f"nome{attempt}", "10.0.0.1")
    names = throttle._names._failures
    assert len(names) == authentication._TRACKED + 1  # all recent: all kept
    clock.now += 61
    throttle.failed("ultimo", "10.0.0.1")
    assert list(names) == ["ultimo"]  # the stale ones were swept
