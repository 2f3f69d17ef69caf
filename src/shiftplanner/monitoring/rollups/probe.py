"""The synthetic availability probe: every process runs the readiness check on a timer
and counts passes and failures per minute (the recorder stores them with its other
minutes). Availability of a minute is its passes over its runs, across every process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from shiftplanner.logging import get_logger
from shiftplanner.monitoring.metrics import AVAILABILITY_PROBES
from shiftplanner.monitoring.recorder import Recorder

log = get_logger(__name__)

# True when the service can serve; raising counts as a failure too.
ProbeCheck = Callable[[], Awaitable[bool]]
# A check slower than this failed: a service that answers that slowly is not available.
MAX_TIMEOUT_SECONDS = 5.0


class Probe:
    def __init__(self, recorder: Recorder, check: ProbeCheck, *, timeout_seconds: float) -> None:
        self.recorder = recorder
        self.check = check
        self.timeout_seconds = timeout_seconds
        self._passed = AVAILABILITY_PROBES.labels("pass")
        self._failed = AVAILABILITY_PROBES.labels("fail")

    async def run_once(self) -> bool:
        """Run the check once and count the result."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                passed = bool(await self.check())
        except TimeoutError:
            log.warning("availability_probe_timed_out", seconds=self.timeout_seconds)
            passed = False
        except Exception as error:
            log.warning("availability_probe_failed", error=repr(error))
            passed = False
        self.recorder.probe(passed=passed)
        (self._passed if passed else self._failed).inc()
        return passed
