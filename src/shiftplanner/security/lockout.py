"""Login lockout: after N failed logins of one account within a window, further attempts
for it are refused until enough of those failures have left the window, whatever address
they come from. A successful login starts the count afresh."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shiftplanner.models import AuditOutcome


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    attempts: int
    window: timedelta


def retry_after(
    policy: LockoutPolicy, attempts: Sequence[tuple[datetime, AuditOutcome]], now: datetime
) -> int | None:
    """Seconds until the account may try again, or None if it is not locked. `attempts`
    are the account's logins within the window, oldest first."""
    failures: list[datetime] = []
    for occurred_at, outcome in attempts:
        if outcome is AuditOutcome.SUCCESS:
            failures.clear()
        elif outcome is AuditOutcome.FAILURE and occurred_at > now - policy.window:
            failures.append(occurred_at)
    if len(failures) < policy.attempts:
        return None
    # Locked until the oldest of the last N failures leaves the window.
    frees_at = failures[-policy.attempts] + policy.window
    return max(1, math.ceil((frees_at - now).total_seconds()))
