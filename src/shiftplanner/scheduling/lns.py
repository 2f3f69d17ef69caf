"""Large-neighbourhood search around CP-SAT.

CP-SAT proves bounds well on rosters but its own random neighbourhoods rarely make the
coordinated moves fairness needs (shifting one weekend from the analyst with the most to
the one with the fewest touches two analysts' blocks, rests and coverage at once). This
search repeatedly frees a structured part of the incumbent roster (a few analysts, chosen
among those at the extremes of each fairness count; a window of days; the weekends of
half the team), fixes the rest, and asks CP-SAT for any strictly better completion in a
short time. Kinds of neighbourhood that pay off are chosen more often, and each kind's
size grows when its sub-problems are solved to optimality and shrinks when they time out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from shiftplanner.scheduling.builder import ModelBuilder


@dataclass
class Neighbourhood:
    name: str
    pick: Callable[[random.Random, float], set[tuple[int, int]]]  # (analyst, day) pairs to free
    size: float  # a fraction of the roster, adapted as the search goes
    tried: int = 0
    improved: int = 0

    @property
    def score(self) -> float:
        return (self.improved + 1) / (self.tried + 2)


@dataclass
class Incumbent:
    values: list[int]  # of every decision variable, in `DecisionVars.flat` order
    objective: int


@dataclass
class DecisionVars:
    """The variables that define a roster: x[a][d][s], screener[a][d][s] and the skills."""

    builder: ModelBuilder
    flat: list[cp_model.IntVar] = field(init=False)
    by_cell: dict[tuple[int, int], list[int]] = field(init=False)  # (a, d) → positions in `flat`
    # (a, d, s) → each skill it may cover and its position in `flat` (after the cells').
    skills: dict[tuple[int, int, int], list[tuple[str, int]]] = field(init=False)

    def __post_init__(self) -> None:
        b = self.builder
        self.flat = []
        self.by_cell = {}
        for a in range(len(b.horizon.analysts)):
            for d in range(b.horizon.size):
                positions = []
                for var in b.x[a][d] + (b.screener[a][d] if a in b.screener else []):
                    positions.append(len(self.flat))
                    self.flat.append(var)
                self.by_cell[(a, d)] = positions
        self.skills = {}
        for key, duties in b.skill_duty.items():
            for skill, var in duties.items():
                self.skills.setdefault(key, []).append((skill, len(self.flat)))
                self.flat.append(var)


def counts_by_analyst(
    b: ModelBuilder, decision: DecisionVars, values: Sequence[int]
) -> dict[str, list[int]]:
    """Per analyst, in the incumbent: days worked, weekend days worked, nights, screener days."""
    h = b.horizon
    nights = {s for s, shift in enumerate(h.shifts) if shift.is_night}
    weekend_days = {d for days in h.weekends for d in days}
    result: dict[str, list[int]] = {"weekends": [], "nights": [], "screener": []}
    for a in range(len(h.analysts)):
        weekend = night = screener = 0
        for d in range(h.size):
            cell = [values[i] for i in decision.by_cell[(a, d)]]
            shifts, duty = cell[: len(h.shifts)], cell[len(h.shifts) :]
            weekend += int(d in weekend_days and any(shifts))
            night += sum(shifts[s] for s in nights)
            screener += sum(duty)
        result["weekends"].append(weekend)
        result["nights"].append(night)
        result["screener"].append(screener)
    return result


class LargeNeighbourhoodSearch:
    def __init__(self, builder: ModelBuilder, seed: int = 0, workers: int = 1) -> None:
        self.workers = workers
        self.builder = builder
        self.decision = DecisionVars(builder)
        self.rng = random.Random(seed)  # noqa: S311 (search diversity, not secrecy)
        self.analysts = len(builder.horizon.analysts)
        self.days = builder.horizon.size
        self.incumbent: Incumbent | None = None
        self.turn = 0
        self.neighbourhoods = [
            Neighbourhood("extreme analysts", self._extreme_analysts, 0.25),
            Neighbourhood("random analysts", self._random_analysts, 0.25),
            Neighbourhood("day window", self._day_window, 0.25),
            Neighbourhood("weekends", self._weekends, 0.5),
            Neighbourhood("analysts in a window", self._analysts_in_window, 0.5),
        ]

    # Neighbourhoods: which (analyst, day) cells to free.

    def _all_days(self, analysts: set[int]) -> set[tuple[int, int]]:
        return {(a, d) for a in analysts for d in range(self.days)}

    def _analyst_count(self, size: float) -> int:
        """How many analysts a neighbourhood of `size` frees: at least two (a move between
        two analysts), never more than the team has."""
        return min(self.analysts, max(2, round(size * self.analysts)))

    def _random_analysts(self, rng: random.Random, size: float) -> set[tuple[int, int]]:
        k = self._analyst_count(size)
        return self._all_days(set(rng.sample(range(self.analysts), k)))

    def _extreme_analysts(self, rng: random.Random, size: float) -> set[tuple[int, int]]:
        assert self.incumbent is not None
        counts = counts_by_analyst(self.builder, self.decision, self.incumbent.values)
        metric = counts[rng.choice(sorted(counts))]
        order = sorted(range(self.analysts), key=lambda a: (metric[a], rng.random()))
        k = self._analyst_count(size)
        chosen = {order[0], order[-1]}
        while len(chosen) < k:
            chosen.add(rng.choice(order))
        return self._all_days(chosen)

    def _day_window(self, rng: random.Random, size: float) -> set[tuple[int, int]]:
        width = min(self.days, max(3, round(size * self.days)))
        first = rng.randrange(0, self.days - width + 1)
        return {(a, d) for a in range(self.analysts) for d in range(first, first + width)}

    def _analysts_in_window(self, rng: random.Random, size: float) -> set[tuple[int, int]]:
        """Half the team (scaled by `size`) over two weeks: moves between many analysts
        that a window of all of them would make too large a sub-problem for."""
        width = min(self.days, 14)
        first = rng.randrange(0, self.days - width + 1)
        analysts = rng.sample(range(self.analysts), self._analyst_count(size))
        return {(a, d) for a in analysts for d in range(first, first + width)}

    def _weekends(self, rng: random.Random, size: float) -> set[tuple[int, int]]:
        days = {d for block in self.builder.horizon.weekends for d in block}
        days |= {
            d + offset for d in list(days) for offset in (-1, 1) if 0 <= d + offset < self.days
        }
        k = self._analyst_count(size)
        analysts = set(rng.sample(range(self.analysts), k))
        return {(a, d) for a in analysts for d in days}

    # The search.

    def offer(self, values: list[int], objective: int) -> bool:
        """A roster found elsewhere (the main search); kept if it is the best so far."""
        if self.incumbent is None or objective < self.incumbent.objective:
            self.incumbent = Incumbent(values, objective)
            return True
        return False

    def step(self, seconds: float, lower_bound: int) -> bool:
        """One neighbourhood: free it, fix the rest, look for a strictly better roster.
        Returns whether the incumbent improved."""
        if self.incumbent is None or self.incumbent.objective <= lower_bound:
            return False
        # Each kind once, then by how often each has paid off.
        if self.turn < len(self.neighbourhoods):
            hood = self.neighbourhoods[self.turn]
        else:
            scores = [kind.score for kind in self.neighbourhoods]
            hood = self.rng.choices(self.neighbourhoods, weights=scores)[0]
        self.turn += 1
        free = hood.pick(self.rng, hood.size)
        sub = self.builder.model.clone()
        sub.clear_hints()  # type: ignore[no-untyped-call]
        proto = sub.proto
        values = self.incumbent.values
        fixed: set[int] = set()
        for cell, positions in self.decision.by_cell.items():
            if cell not in free:
                fixed.update(positions)
        for position, var in enumerate(self.decision.flat):
            value = values[position]
            if position in fixed:
                domain = proto.variables[var.index].domain
                domain.clear()
                domain.extend([value, value])
            proto.solution_hint.vars.append(var.index)
            proto.solution_hint.values.append(value)
        proto.objective.domain.clear()
        proto.objective.domain.extend([lower_bound, self.incumbent.objective - 1])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.rng.randrange(1_000_000)
        status = solver.solve(sub)
        hood.tried += 1
        if status == cp_model.OPTIMAL or status == cp_model.INFEASIBLE:
            hood.size = min(1.0, hood.size * 1.15)  # fully explored: look wider next time
        elif status == cp_model.UNKNOWN:
            hood.size = max(0.05, hood.size * 0.85)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        hood.improved += 1
        self.incumbent = Incumbent(
            [solver.value(var) for var in self.decision.flat], round(solver.objective_value)
        )
        return True
