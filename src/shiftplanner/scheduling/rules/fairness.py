"""Fairness: the spread (most minus least, history included) of weekends worked, night
shifts and screener days across the team."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder
from shiftplanner.scheduling.problem import FairnessCounts
from shiftplanner.scheduling.rules.contract import weekend_vars
from shiftplanner.scheduling.solution import Term


def _spread(
    b: ModelBuilder, name: str, counts: Sequence[LinearExpr], upper: int
) -> cp_model.IntVar:
    variables = [b.new_count(f"{name}_{i}", [count], upper) for i, count in enumerate(counts)]
    most = b.model.new_int_var(0, upper, f"{name}_max")
    least = b.model.new_int_var(0, upper, f"{name}_min")
    b.model.add_max_equality(most, variables)
    b.model.add_min_equality(least, variables)
    # Redundant, but they give the LP the link between the band and the total work: a
    # spread of 0 needs a total divisible by the team's size, which coverage may forbid.
    if not b.plain:
        b.model.add(sum(variables) >= len(variables) * least)
        b.model.add(sum(variables) <= len(variables) * most)
    spread = b.model.new_int_var(0, upper, f"{name}_spread")
    b.model.add(spread == most - least)
    return spread


def fairness(b: ModelBuilder) -> None:
    h = b.horizon
    weights = h.problem.weights
    history = h.problem.fairness_history
    past = [history.get(analyst.id, FairnessCounts()) for analyst in h.analysts]
    if len(h.analysts) < 2:
        return
    if weights.fairness_weekends:
        counts = [past[a].weekends + sum(weekend_vars(b, a)) for a in range(len(h.analysts))]
        upper = max(p.weekends for p in past) + len(h.weekends)
        b.cost(
            Term.FAIRNESS_WEEKENDS, _spread(b, "weekends", counts, upper), weights.fairness_weekends
        )
    nights = [s for s, shift in enumerate(h.shifts) if shift.is_night]
    if weights.fairness_nights:  # history alone may leave a spread
        counts = [
            past[a].nights + sum(b.x[a][d][s] for d in range(h.size) for s in nights)
            for a in range(len(h.analysts))
        ]
        upper = max(p.nights for p in past) + h.size
        b.cost(Term.FAIRNESS_NIGHTS, _spread(b, "nights", counts, upper), weights.fairness_nights)
    screeners = sorted(b.screener)
    if weights.fairness_screener and len(screeners) >= 2:
        counts = [
            past[a].screener_days + sum(b.screener_day(a, d) for d in range(h.size))
            for a in screeners
        ]
        upper = max(past[a].screener_days for a in screeners) + h.size
        b.cost(
            Term.FAIRNESS_SCREENER, _spread(b, "screener", counts, upper), weights.fairness_screener
        )
