"""The throttle's rules, pure: how many failures a subject may have, and how long it
waits after them. A run of failures is forgotten once a whole window passes without an
attempt being judged."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

FIRST_DELAY = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Count:
    """A subject's failures in its current run, and when the last attempt was judged."""

    failures: int
    last_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class Rule:
    """`free` failures are judged as they come. Beyond them, a `locking` rule refuses
    every attempt until the window has passed since the last one; otherwise each further
    attempt waits 1 s, then 2, 4, ... up to the window, after the last one."""

    name: str
    free: int
    window: timedelta
    locking: bool

    def current(self, count: Count | None, now: datetime) -> Count | None:
        """The count as it stands now: None once the run is forgotten."""
        if count is None or count.failures <= 0 or now >= count.last_attempt_at + self.window:
            return None
        return count

    def wait(self, count: Count | None, now: datetime) -> int:
        """Whole seconds before the subject's next attempt may be judged; 0 for now."""
        count = self.current(count, now)
        if count is None or count.failures < self.free:
            return 0
        if self.locking:
            pause = self.window
        else:
            doublings = min(count.failures - self.free, 32)  # 2**32 s outlasts any window
            pause = min(FIRST_DELAY * 2**doublings, self.window)
        return max(0, math.ceil((count.last_attempt_at + pause - now).total_seconds()))

    def judged(self, count: Count | None, now: datetime) -> Count:
        """The count once an attempt is being judged: counted as a failure until it
        turns out right."""
        count = self.current(count, now)
        return Count(1 if count is None else count.failures + 1, now)

    def starts_waiting(self, count: Count) -> bool:
        """Whether this count is the failure that makes the next attempt wait."""
        return count.failures == self.free
