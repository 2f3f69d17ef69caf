"""Running wrk (Debian's `wrk` package) against one URL and reading its summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("report.lua")


@dataclass(frozen=True, slots=True)
class Load:
    requests: int
    seconds: float
    errors: int
    non2xx: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def pooled(cls, loads: list[Load]) -> Load:
        """Several runs of one endpoint as one: requests and time add up (so the rate is
        the overall rate); the percentiles are the runs' means, the maximum the largest."""
        count = len(loads)
        return cls(
            requests=sum(load.requests for load in loads),
            seconds=sum(load.seconds for load in loads),
            errors=sum(load.errors for load in loads),
            non2xx=sum(load.non2xx for load in loads),
            p50_ms=sum(load.p50_ms for load in loads) / count,
            p95_ms=sum(load.p95_ms for load in loads) / count,
            p99_ms=sum(load.p99_ms for load in loads) / count,
            max_ms=max(load.max_ms for load in loads),
        )


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 16,
    threads: int = 2,
    authorization: str | None = None,
) -> Load:
    """`connections` keep-alive connections sending GETs for `seconds` (bounded)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    command += ["-s", str(SCRIPT), url]
    result = subprocess.run(  # noqa: S603 (our own command)
        command,
        env={**os.environ, "BENCH_AUTHORIZATION": authorization or ""},
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    return Load(**json.loads(line))
