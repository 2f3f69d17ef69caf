"""The throttle's rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shiftplanner.security.login_throttle.rules import Count, Rule

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
LOCKING = Rule("account_from_address", 3, WINDOW, locking=True)
DELAYING = Rule("account", 3, WINDOW, locking=False)


def after(rule: Rule, failures: int, seconds_ago: float = 0) -> Count:
    count = None
    for _ in range(failures):
        count = rule.judged(count, NOW - timedelta(seconds=seconds_ago))
    assert count is not None
    return count


def test_free_failures_are_judged_at_once() -> None:
    assert LOCKING.wait(None, NOW) == 0
    assert LOCKING.wait(after(LOCKING, 2), NOW) == 0
    assert after(LOCKING, 3).failures == 3


def test_a_locking_rule_holds_until_a_quiet_window_has_passed() -> None:
    count = after(LOCKING, 3, seconds_ago=60)
    assert LOCKING.wait(count, NOW) == 15 * 60 - 60
    assert LOCKING.wait(count, NOW + WINDOW - timedelta(seconds=61)) == 1
    assert LOCKING.wait(count, NOW + WINDOW - timedelta(seconds=60)) == 0
    # Once the window passed, the run is forgotten: the next attempt starts a new one.
    assert LOCKING.judged(count, NOW + WINDOW).failures == 1


def test_a_delaying_rule_doubles_the_wait_up_to_the_window() -> None:
    waits = [DELAYING.wait(after(DELAYING, n), NOW) for n in range(3, 16)]
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert waits[-1] == 15 * 60  # capped at the window
    assert max(waits) == 15 * 60
    # The wait runs from the last judged attempt.
    assert DELAYING.wait(after(DELAYING, 4, seconds_ago=1.5), NOW) == 1


def test_a_huge_run_of_failures_cannot_overflow_the_delay() -> None:
    count = Count(10_000, NOW)
    assert DELAYING.wait(count, NOW) == 15 * 60


def test_the_failure_that_starts_the_waiting_is_the_free_ones_last() -> None:
    assert [LOCKING.starts_waiting(after(LOCKING, n)) for n in (1, 2, 3, 4)] == [
        False,
        False,
        True,
        False,
    ]
