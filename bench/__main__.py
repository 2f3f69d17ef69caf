"""`make bench`: run the benchmarks (all, or those named) and print their tables.

python -m bench                 # every benchmark
python -m bench schedule_query  # one of them
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console

from bench import alerting, schedule_query, web, webhooks
from bench.load import hot_path, scenarios
from bench.solver import compare as solver_compare
from bench.solver import suite as solver_suite

BENCHMARKS: dict[str, Callable[[Console], None]] = {
    "schedule_query": schedule_query.run,
    "hot_path": hot_path.run,
    "scenarios": scenarios.run,
    "solver": solver_compare.run,
    "solver_suite": solver_suite.run,
    "alerting": alerting.run,
    "webhooks": webhooks.run,
    "web": web.run,
}


def main(names: list[str]) -> int:
    console = Console()
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        console.print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names or list(BENCHMARKS):
        BENCHMARKS[name](console)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
