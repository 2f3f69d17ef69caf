"""The solver suite's judging of repeated runs (bench/solver/suite.py): by the median run,
the worse of the middle two for an even number, a run without a roster the worst."""

from __future__ import annotations

from bench.solver.suite import Row, judged


def run(config: str, seed: int, objective: int | None) -> Row:
    return Row(
        "inrc2-x", "INRC-II", "train", "30×28×4", config, 60.0, seed, "feasible",
        objective, 0, 1670, 1.0, 59.0,
    )  # fmt: skip


def test_each_config_is_judged_by_its_median_run() -> None:
    rows = [
        run("ours", 0, 2430),
        run("lns-only", 0, 2515),
        run("ours", 1, 2405),
        run("lns-only", 1, 2560),
        run("lns-only", 2, 2500),
    ]
    ours, lns_only = judged(rows)
    assert (ours.row.config, ours.row.objective, ours.objectives) == ("ours", 2430, "2430/2405")
    assert (lns_only.row.objective, lns_only.objectives) == (2515, "2515/2560/2500")


def test_a_run_without_a_roster_counts_as_the_worst() -> None:
    (config_run,) = judged([run("ours", 0, None), run("ours", 1, 900), run("ours", 2, 800)])
    assert config_run.row.objective == 900
    (config_run,) = judged([run("ours", 0, 800), run("ours", 1, None)])
    assert config_run.row.objective is None
