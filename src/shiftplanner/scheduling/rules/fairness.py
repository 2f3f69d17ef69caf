"""Fairness: the spread (most minus least, history included) of weekends worked, night
shifts and screener days across the team."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder
from shiftplanner.scheduling.horizon import Horizon
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


def spreads(h: Horizon) -> list[tuple[str, int, list[int]]]:
    """The spreads the objective holds: each measure (a `FairnessCounts` field), its
    weight, and the indexes of the analysts it spreads over."""
    w = h.problem.weights
    everyone = list(range(len(h.analysts)))
    screeners = [a for a, analyst in enumerate(h.analysts) if h.is_screener(analyst)]
    measures = []
    if len(everyone) >= 2 and w.fairness_weekends:
        measures.append(("weekends", w.fairness_weekends, everyone))
    if len(everyone) >= 2 and w.fairness_nights:  # history alone may leave a spread
        measures.append(("nights", w.fairness_nights, everyone))
    if len(screeners) >= 2 and w.fairness_screener:
        measures.append(("screener_days", w.fairness_screener, screeners))
    return measures


def counted(b: ModelBuilder, a: int, measure: str) -> LinearExpr:
    """What analyst a adds to a measure in the horizon."""
    h = b.horizon
    if measure == "weekends":
        return sum(weekend_vars(b, a))
    if measure == "nights":
        nights = [s for s, shift in enumerate(h.shifts) if shift.is_night]
        return sum(b.x[a][d][s] for d in range(h.size) for s in nights)
    return sum(b.screener_day(a, d) for d in range(h.size))


def fairness(b: ModelBuilder) -> None:
    h = b.horizon
    history = h.problem.fairness_history
    terms = {
        "weekends": Term.FAIRNESS_WEEKENDS,
        "nights": Term.FAIRNESS_NIGHTS,
        "screener_days": Term.FAIRNESS_SCREENER,
    }
    for measure, weight, group in spreads(h):
        past = [getattr(history.get(h.analysts[a].id, FairnessCounts()), measure) for a in group]
        counts = [p + counted(b, a, measure) for p, a in zip(past, group, strict=True)]
        upper = max(past) + (len(h.weekends) if measure == "weekends" else h.size)
        b.cost(terms[measure], _spread(b, measure, counts, upper), weight)
