"""A lower bound on the roster's cost by column generation (Dantzig–Wolfe over analysts).

CP-SAT's own bound comes from the LP of the whole model, where an analyst may work half
a shift every day: block, rest and consecutive-day rules then cost nothing, and the
bound stalls far below the best roster (bench/solver). Here each analyst's rules are
kept whole instead. The master LP gives every analyst a convex combination of complete
rosters that obey all of that analyst's hard rules (columns) and prices the team-wide
terms (coverage, screeners, skill needs, fairness spreads, hard minimums) by their duals.
One pricing problem per analyst, a small CP-SAT model of that analyst's rules alone,
finds the rosters with the least reduced cost.

Any duals give a valid bound, the Lagrangian function: the dualised team-wide rows at
those prices plus, per analyst, the least priced cost of a roster (proved by the pricing
model). So a bound holds after every round, long before the column generation converges.
Costs are integers with a common divisor; the bound is rounded up to it.

Measured on bench/solver's realistic team (20 analysts, 28 days, one core): the master
LP converges in about 26 rounds and 17 s, to 240 where CP-SAT's bound stalls at 115–165.
The pricing models are proved with CP-SAT's full LP (`linearization_level` 2), which
took the hardest of them from seconds to tens of milliseconds; each adds its last five
improving rosters. Smoothing the duals (Wentges, 0.3 to 0.85) converged no faster.

Skill needs (INRC-II's coverage) are slower: on n030w4_1_6-2-9-1 (30 nurses, 4 skills) a
round takes about 3 s on one core and the bound passed 880 after 51 rounds and 150 s
(the optimum is 1670; CP-SAT's bound stays near 350). Within the solver's usual minute it
gives up, as it should; in a 600 s solve it converged beside the search after 79 rounds
at 1660. Before skill needs were priced it "converged" at once, at 80.

Most rounds are priced by annealing instead (`_AnnealedPricing`): after the first rounds,
which are exact, each analyst's row is annealed alone against the round's prices with the
annealing's own pricing of a row (anneal_kernel.price_row), some twenty times faster than
CP-SAT and without proof. Exact rounds come back when the annealed ones stall or have
run twice as long as the last exact round; only they raise the bound and end the
generation. Converged, one core alone (bench/solver/RESULTS.md): n030w4_1_6-2-9-1 362 →
174 s, bench/solver's realistic team 15 → 10 s, its understaffed team 41 → 29 s, its
50-analyst team 61 → 37 s."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from shiftplanner.scheduling.anneal import END_TEMPERATURE, Array, Arrays, unsupported
from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder
from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.problem import FairnessCounts, Problem
from shiftplanner.scheduling.rules import HARD_RULES
from shiftplanner.scheduling.rules.changes import changes
from shiftplanner.scheduling.rules.fairness import counted, spreads
from shiftplanner.scheduling.rules.requests import requests

# Pricing objectives are integers: duals are scaled by this, and the rounding error is
# taken off the bound.
SCALE = 100_000
# A column enters the master only if its reduced cost is below this.
EPSILON = 1e-6
# The most columns one pricing problem adds per round (its improving solutions).
COLUMNS_PER_PRICING = 5
# One pricing solve at most: a stop request waits for it.
PRICING_SECONDS = 5.0
# The column generation converged in 25–35 rounds on bench/solver's teams. Timed over
# its first rounds, a run that would not converge in its time gives up, leaving the CPU
# to the search: a bound that arrives too late is worth less than the rosters that CPU
# would have found. Beside the 8-worker proving search the first rounds cost the most
# CPU (1.0 s against 0.65 s a round on average on the realistic team), so the pace of
# the first rounds over 30 rounds errs towards giving up.
EXPECTED_ROUNDS = 30
TRIAL_ROUNDS = 5
# In the first rounds a hard minimum may be out of reach of the columns found so far.
ARTIFICIAL_COST = 1_000_000

Key = tuple[int, int]  # (day, shift) indexes
SkillKey = tuple[int, int, str]  # (day, shift) indexes and a skill
_K = TypeVar("_K")
OnBound = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    """One analyst's complete roster, as the master LP sees it."""

    analyst: int
    cost: int  # the analyst's own terms: requests, changes, cover nobody asked for
    shifts: frozenset[Key]  # worked
    screens: frozenset[Key]  # with screener duty
    skills: frozenset[SkillKey]  # covering a skill
    counts: dict[str, int]  # weekends, nights and screener days in the horizon


@dataclass(frozen=True)
class Duals:
    """Prices of the team-wide rows: coverage (π), hard minimums (η), screeners (σ),
    each skill's wanted and least cover, and for each fairness measure and analyst the
    rows "most ≥ count" (μ) and "least ≤ count" (ν)."""

    cover: dict[Key, float]
    hard_min: dict[Key, float]
    screener: dict[Key, float]
    skill: dict[SkillKey, float]
    skill_min: dict[SkillKey, float]
    most: dict[tuple[str, int], float]
    least: dict[tuple[str, int], float]
    convexity: list[float]


@dataclass(frozen=True)
class Prices:
    """What a roster of one analyst costs at some duals, besides its own terms."""

    worked: dict[Key, float]
    screened: dict[Key, float]
    skilled: dict[SkillKey, float]
    fairness: dict[str, float]

    @classmethod
    def at(cls, duals: Duals, analysts: int) -> list[Prices]:
        """Each analyst's prices at these duals: coverage and screener prices are the
        team's, fairness prices the analyst's own rows."""
        worked = {key: -value for key, value in duals.cover.items()}
        for key, value in duals.hard_min.items():
            worked[key] = worked.get(key, 0.0) - value
        screened = {key: -value for key, value in duals.screener.items()}
        skilled = {key: -value for key, value in duals.skill.items()}
        for skill_key, value in duals.skill_min.items():
            skilled[skill_key] = skilled.get(skill_key, 0.0) - value
        fairness: list[dict[str, float]] = [{} for _ in range(analysts)]
        for (measure, a), value in duals.most.items():
            fairness[a][measure] = value - duals.least[(measure, a)]
        return [cls(worked, screened, skilled, own) for own in fairness]

    def cost(self, column: Column) -> float:
        return (
            column.cost
            + sum(self.worked.get(key, 0.0) for key in column.shifts)
            + sum(self.screened.get(key, 0.0) for key in column.screens)
            + sum(self.skilled.get(key, 0.0) for key in column.skills)
            + sum(value * column.counts[name] for name, value in self.fairness.items())
        )


class _Infeasible(Exception):
    """An analyst's own rules cannot all hold: the problem has no roster."""


class _Solutions(cp_model.CpSolverSolutionCallback):
    def __init__(self, pricing: _Pricing) -> None:
        super().__init__()
        self.pricing = pricing
        self.columns: list[Column] = []

    def on_solution_callback(self) -> None:
        self.columns.append(self.pricing.column(self))


@dataclass
class _Pricing:
    """The rules of one analyst alone, as a CP-SAT model whose objective is set anew for
    every round's prices."""

    a: int
    builder: ModelBuilder
    own_cost: LinearExpr
    counts: dict[str, LinearExpr]
    active: cp_model.CpSolver | None = None  # the solve under way, to stop it

    @classmethod
    def of(cls, h: Horizon, a: int) -> _Pricing:
        p = h.problem
        analyst = h.analysts[a]
        mine = analyst.id
        alone = p.model_copy(
            update={
                "analysts": [analyst],
                # Kept for the skills they need (the analyst's skill duties); the
                # coverage rule itself is the master's.
                "coverage": [c for c in p.coverage if c.skills],
                "requests": [r for r in p.requests if r.analyst_id == mine],
                "history": {mine: p.history.get(mine, [])},
                "fairness_history": {},
                "locked": [x for x in p.locked if x.analyst_id == mine],
                "hint": None if p.hint is None else [x for x in p.hint if x.analyst_id == mine],
            }
        )
        b = ModelBuilder(Horizon(alone))
        for rule in (*HARD_RULES, requests, changes):
            rule(b)
        needed = {(c.date, c.shift_type_id) for c in p.coverage}
        unneeded = [
            b.x[0][d][s]
            for d, day in enumerate(h.days)
            for s, shift in enumerate(h.shifts)
            if (day, shift.id) not in needed
        ]
        own = sum(weight * expr for terms in b.costs.values() for expr, weight in terms if weight)
        own += p.weights.over_cover * sum(unneeded)
        counts = {measure: counted(b, 0, measure) for measure, _, _ in spreads(h)}
        return cls(a, b, own, counts)

    def price(self, prices: Prices, seconds: float) -> tuple[float, list[Column]]:
        """A proved lower bound on the least priced cost of this analyst's rosters, and
        the best rosters found (the last one the best)."""
        b = self.builder
        h = b.horizon
        objective: list[LinearExpr] = [SCALE * self.own_cost]
        terms = 0  # 0/1 variables with a rounded coefficient
        for (d, s), value in prices.worked.items():
            if scaled := round(value * SCALE):
                objective.append(scaled * b.x[0][d][s])
                terms += 1
        if 0 in b.screener:
            for (d, s), value in prices.screened.items():
                if scaled := round(value * SCALE):
                    objective.append(scaled * b.screener[0][d][s])
                    terms += 1
        for (d, s, skill), value in prices.skilled.items():
            duty = b.skill_duty.get((0, d, s), {}).get(skill)
            if duty is not None and (scaled := round(value * SCALE)):
                objective.append(scaled * duty)
                terms += 1
        for name, value in prices.fairness.items():
            if scaled := round(value * SCALE):
                objective.append(scaled * self.counts[name])
                terms += h.size
        b.model.clear_objective()  # type: ignore[no-untyped-call]
        b.model.minimize(sum(objective))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        solver.parameters.num_workers = 1
        # The LP with every constraint in it proves these small models far faster
        # (seconds to tens of milliseconds on the hardest ones of bench/solver).
        solver.parameters.linearization_level = 2
        found = _Solutions(self)
        self.active = solver
        try:
            status = solver.solve(b.model, found)
        finally:
            self.active = None
        if status == cp_model.INFEASIBLE:
            raise _Infeasible
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return -math.inf, []
        # Each rounded coefficient is off by at most half a unit.
        error = 0.5 * terms / SCALE
        return solver.best_objective_bound / SCALE - error, found.columns[-COLUMNS_PER_PRICING:]

    def column(self, values: cp_model.CpSolver | cp_model.CpSolverSolutionCallback) -> Column:
        b = self.builder
        h = b.horizon
        cells = [(d, s) for d in range(h.size) for s in range(len(h.shifts))]
        duty = b.screener.get(0)
        return Column(
            analyst=self.a,
            cost=int(values.value(self.own_cost)),
            shifts=frozenset(key for key in cells if values.value(b.x[0][key[0]][key[1]])),
            screens=frozenset(
                key for key in cells if duty is not None and values.value(duty[key[0]][key[1]])
            ),
            skills=frozenset(
                (d, s, skill)
                for (_, d, s), duties in b.skill_duty.items()
                for skill, var in duties.items()
                if values.value(var)
            ),
            counts={name: int(values.value(expr)) for name, expr in self.counts.items()},
        )


# Moves of one analyst's row per annealed pricing: on INRC-II n030 (30 nurses) 20,000
# priced all nurses in 0.3 s, against 3.4-6.0 s for CP-SAT's exact pricing, and found an
# improving column for every one of them (bench/solver/RESULTS.md).
ANNEALED_MOVES = 20_000
# A unit of a hard rule broken costs this many times the largest soft weight. A row
# alone gets from one good roster to another through rosters that break a rule: where
# CP-SAT's pricing found improving columns for 11 of 20 analysts (bench/solver's
# understaffed team), 10 times (the whole annealing's) found them for 1, 1-3 times for 2-5.
ANNEALED_HARD_PENALTY = 2
# Annealed rounds stop paying in the long tail of a column generation, where only the
# exact pricing's bound can end it: an exact round follows once the master fell by less
# than this share over this many annealed rounds.
STALL_SHARE = 0.005
STALL_ROUNDS = 5
# ...or once the annealed rounds since the last exact round took this share of the time
# since it began: the bound, which only exact rounds raise, rises at a third of its pace.
ANNEALED_SHARE = 2 / 3
# The fairness counts in the kernel's order (anneal_kernel.row_cost's last three).
FAIRNESS_ORDER = ("weekends", "nights", "screener_days")


@dataclass
class _AnnealedPricing:
    """Columns found fast and without proof: one analyst's row annealed alone against the
    round's prices (anneal_kernel.price_row), with the kernel's own pricing of a row. A
    round of these adds columns; only CP-SAT's exact pricing proves a bound."""

    arrays: Arrays
    needed: npt.NDArray[np.bool_]  # [day, shift]: a coverage entry prices it; else it is over-cover
    temperatures: npt.NDArray[np.float64]  # start, end, per unit of a hard rule broken
    measures: frozenset[str]  # the fairness measures the objective holds (`spreads`)

    @classmethod
    def of(cls, h: Horizon) -> _AnnealedPricing:
        arrays = Arrays(h)
        needed = np.zeros((h.size, len(h.shifts)), np.bool_)
        for c in h.problem.coverage:
            needed[h.index[c.date], h.shift_index[c.shift_type_id]] = True
        weights = arrays.soft_weights
        cold = END_TEMPERATURE * min(weights)
        temperatures = np.array(
            [max(float(max(weights)), cold), cold, float(ANNEALED_HARD_PENALTY * max(weights))]
        )
        measures = frozenset(measure for measure, _, _ in spreads(h))
        return cls(arrays, needed, temperatures, measures)

    def price(self, a: int, prices: Prices, start: Column | None, seed: int) -> list[Column]:
        """The best rosters of analyst `a` the annealing finds at these prices, from
        `start` (None: every day off but the locked ones), the best last; none if it found
        none that keeps the analyst's hard rules."""
        from shiftplanner.scheduling import anneal_kernel as k

        arrays = self.arrays
        h = arrays.horizon
        days, shifts = self.needed.shape
        over_cover = h.problem.weights.over_cover
        cell = np.where(self.needed, 0.0, float(over_cover))
        for (d, s), value in prices.worked.items():
            cell[d, s] += value
        # Each worked shift-day covers the analyst's cheapest skill need on it.
        skill = np.full((days, shifts), -1, np.int64)
        skill_price = np.zeros((days, shifts))
        for (d, s, name), value in prices.skilled.items():
            index = arrays.skill_names.index(name)
            if arrays.has_skill[a, index] and (skill[d, s] < 0 or value < skill_price[d, s]):
                skill[d, s], skill_price[d, s] = index, value
        cell += skill_price
        duty_price = np.zeros((days, shifts))
        if arrays.ainfo[a, k.SCREENER]:
            for (d, s), value in prices.screened.items():
                duty_price[d, s] = value
        fair = np.array([prices.fairness.get(name, 0.0) for name in FAIRNESS_ORDER])
        row = np.where(arrays.fixed[a], arrays.start_state[a], -1)
        duty = np.where(arrays.fixed[a], arrays.start_duty[a], 0)
        if start is not None:
            for d, s in start.shifts:
                row[d] = s
            for d, _ in start.screens:
                duty[d] = 1
        rows, duties, values, priced = k.price_row(
            a,
            row,
            duty,
            cell,
            duty_price,
            fair,
            ANNEALED_MOVES,
            seed,
            self.temperatures,
            COLUMNS_PER_PRICING,
            arrays.rules,
        )
        return [
            self._column(a, rows[i], duties[i], skill, priced[i])
            for i in range(len(values))
            if math.isfinite(values[i])
        ]

    def _column(self, a: int, row: Array, duty: Array, skill: Array, priced: Array) -> Column:
        """The column of a row the kernel priced (`row_cost`'s soft, hard and counts)."""
        from shiftplanner.scheduling import anneal_kernel as k

        arrays = self.arrays
        h = arrays.horizon
        soft, _, *counts = priced
        worked = [(d, int(s)) for d, s in enumerate(row) if s >= 0]
        unneeded = sum(1 for d, s in worked if not self.needed[d, s])
        history = arrays.ainfo[
            a, [k.FAIR_WEEKENDS_BEFORE, k.FAIR_NIGHTS_BEFORE, k.FAIR_SCREENER_BEFORE]
        ]
        return Column(
            analyst=a,
            cost=int(soft) + h.problem.weights.over_cover * unneeded,
            shifts=frozenset(worked),
            screens=frozenset((d, s) for d, s in worked if duty[d]),
            skills=frozenset(
                (d, s, arrays.skill_names[skill[d, s]]) for d, s in worked if skill[d, s] >= 0
            ),
            counts={
                name: int(count - past)
                for name, count, past in zip(FAIRNESS_ORDER, counts, history, strict=True)
                if name in self.measures
            },
        )


@dataclass(frozen=True)
class _Row:
    """A team-wide row of the master: its constraint, right-hand side (what is required,
    the hard minimum, or a past count), and the weights of its slack variables."""

    constraint: pywraplp.Constraint
    rhs: int
    short_weight: int = 0
    over_weight: int = 0


@dataclass
class _Master:
    """The restricted master LP over the columns found so far, and the Lagrangian
    function of the team-wide rows it dualises."""

    h: Horizon
    solver: pywraplp.Solver = field(init=False)
    convexity: list[pywraplp.Constraint] = field(init=False)
    cover: dict[Key, _Row] = field(default_factory=dict)
    hard_min: dict[Key, _Row] = field(default_factory=dict)
    screener: dict[Key, _Row] = field(default_factory=dict)
    # Each skill need: its wanted level (soft) and its minimum (hard).
    skill: dict[SkillKey, _Row] = field(default_factory=dict)
    skill_min: dict[SkillKey, _Row] = field(default_factory=dict)
    # (measure, analyst) → the rows "most ≥ past + count" and "least ≤ past + count".
    most: dict[tuple[str, int], _Row] = field(default_factory=dict)
    least: dict[tuple[str, int], _Row] = field(default_factory=dict)
    # measure → its weight, and a count no analyst exceeds (bounds of most and least).
    spreads: dict[str, tuple[int, int]] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)

    def __post_init__(self) -> None:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        assert solver is not None
        self.solver = solver
        self.solver.Objective().SetMinimization()
        self.convexity = [solver.Constraint(1, 1) for _ in self.h.analysts]
        self._coverage_rows()
        self._fairness_rows()

    def _slack(self, row: pywraplp.Constraint, upper: float, sign: int, weight: int) -> None:
        var = self.solver.NumVar(0, upper, "")
        row.SetCoefficient(var, sign)
        self.solver.Objective().SetCoefficient(var, weight)

    def _coverage_rows(self) -> None:
        h = self.h
        w = h.problem.weights
        infinity = self.solver.infinity()
        for c in h.problem.coverage:
            key = (h.index[c.date], h.shift_index[c.shift_type_id])
            row = self.solver.Constraint(c.required, c.required)  # assigned + short - over
            under = w.under_cover if c.under_weight is None else c.under_weight
            over = w.over_cover if c.over_weight is None else c.over_weight
            self._slack(row, c.required, 1, under)
            self._slack(row, len(h.analysts), -1, over)
            self.cover[key] = _Row(row, c.required, under, over)
            if c.hard_min:
                row = self.solver.Constraint(c.hard_min, infinity)
                self._slack(row, infinity, 1, ARTIFICIAL_COST)
                self.hard_min[key] = _Row(row, c.hard_min)
            if c.screeners_required:
                row = self.solver.Constraint(c.screeners_required, infinity)
                self._slack(row, c.screeners_required, 1, w.screener_short)
                self.screener[key] = _Row(row, c.screeners_required, w.screener_short)
            for cover in c.skills:
                skill_key = (*key, cover.skill)
                if cover.minimum:
                    row = self.solver.Constraint(cover.minimum, infinity)
                    self._slack(row, infinity, 1, ARTIFICIAL_COST)
                    self.skill_min[skill_key] = _Row(row, cover.minimum)
                if cover.optimal > cover.minimum:
                    weight = w.skill_short if cover.under_weight is None else cover.under_weight
                    row = self.solver.Constraint(cover.optimal, infinity)
                    self._slack(row, cover.optimal, 1, weight)
                    self.skill[skill_key] = _Row(row, cover.optimal, weight)

    def _fairness_rows(self) -> None:
        h = self.h
        history = h.problem.fairness_history
        infinity = self.solver.infinity()
        objective = self.solver.Objective()
        for measure, weight, group in spreads(h):
            pasts = {
                a: getattr(history.get(h.analysts[a].id, FairnessCounts()), measure) for a in group
            }
            upper = max(pasts.values()) + max(len(h.weekends), h.size)
            most = self.solver.NumVar(0, upper, "")
            least = self.solver.NumVar(0, upper, "")
            objective.SetCoefficient(most, weight)
            objective.SetCoefficient(least, -weight)
            self.spreads[measure] = (weight, upper)
            for a, past in pasts.items():
                row = self.solver.Constraint(past, infinity)  # most - count ≥ past
                row.SetCoefficient(most, 1)
                self.most[(measure, a)] = _Row(row, past)
                row = self.solver.Constraint(-past, infinity)  # count - least ≥ -past
                row.SetCoefficient(least, -1)
                self.least[(measure, a)] = _Row(row, past)

    def add(self, column: Column) -> None:
        var = self.solver.NumVar(0, self.solver.infinity(), "")
        self.solver.Objective().SetCoefficient(var, column.cost)
        self.convexity[column.analyst].SetCoefficient(var, 1)
        for key in column.shifts:
            for rows in (self.cover, self.hard_min):
                if key in rows:
                    rows[key].constraint.SetCoefficient(var, 1)
        for key in column.screens:
            if key in self.screener:
                self.screener[key].constraint.SetCoefficient(var, 1)
        for skill_key in column.skills:
            for skill_rows in (self.skill, self.skill_min):
                if skill_key in skill_rows:
                    skill_rows[skill_key].constraint.SetCoefficient(var, 1)
        for measure, count in column.counts.items():
            if (measure, column.analyst) in self.most:
                self.most[(measure, column.analyst)].constraint.SetCoefficient(var, -count)
                self.least[(measure, column.analyst)].constraint.SetCoefficient(var, count)
        self.columns.append(column)

    def solve(self) -> tuple[float, Duals] | None:
        """The restricted master's value and duals (None if GLOP gives up)."""
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None

        def duals(rows: dict[_K, _Row], at_least: float) -> dict[_K, float]:
            return {key: max(at_least, row.constraint.dual_value()) for key, row in rows.items()}

        # The duals of "≥" rows are never negative; GLOP's may be, by a rounding error,
        # which would make the Lagrangian function no bound.
        return float(self.solver.Objective().Value()), Duals(
            cover=duals(self.cover, -math.inf),
            hard_min=duals(self.hard_min, 0.0),
            screener=duals(self.screener, 0.0),
            skill=duals(self.skill, 0.0),
            skill_min=duals(self.skill_min, 0.0),
            most=duals(self.most, 0.0),
            least=duals(self.least, 0.0),
            convexity=[row.dual_value() for row in self.convexity],
        )

    def lagrangian(self, duals: Duals, least_priced: list[float]) -> float:
        """The Lagrangian function at `duals`: a lower bound on every roster's cost,
        given for each analyst a lower bound on the least priced cost of a roster. Each
        slack is taken at whichever end of its range is cheaper at these prices."""
        staff = len(self.h.analysts)
        value = sum(least_priced)
        for key, row in self.cover.items():
            price = duals.cover[key]
            value += price * row.rhs
            value += min(0.0, row.short_weight - price) * row.rhs  # short ∈ [0, required]
            value += min(0.0, row.over_weight + price) * staff  # over ∈ [0, staff]
        for key, row in self.hard_min.items():
            value += duals.hard_min[key] * row.rhs  # a roster meets it: no artificial
        for key, row in self.screener.items():
            price = duals.screener[key]
            value += price * row.rhs + min(0.0, row.short_weight - price) * row.rhs
        for skill_key, row in self.skill.items():
            price = duals.skill[skill_key]
            value += price * row.rhs + min(0.0, row.short_weight - price) * row.rhs
        for skill_key, row in self.skill_min.items():
            value += duals.skill_min[skill_key] * row.rhs  # a roster meets it
        for measure, (weight, upper) in self.spreads.items():
            most = sum(price for (m, _), price in duals.most.items() if m == measure)
            least = sum(price for (m, _), price in duals.least.items() if m == measure)
            value += min(0.0, weight - most) * upper  # most ∈ [0, upper]
            value += min(0.0, least - weight) * upper  # least ∈ [0, upper]
        for spread_row, row in self.most.items():
            value += (duals.most[spread_row] - duals.least[spread_row]) * row.rhs
        return value


def _granularity(problem: Problem) -> int:
    """Every roster's cost is a multiple of this."""
    # Every weight of `Weights` (a limit's is None while it is hard), then their own.
    weights = [
        *(w for w in problem.weights.model_dump().values() if w is not None),
        *(c.under_weight for c in problem.coverage if c.under_weight is not None),
        *(s.under_weight for c in problem.coverage for s in c.skills if s.under_weight is not None),
        *(c.over_weight for c in problem.coverage if c.over_weight is not None),
        *(r.weight for r in problem.requests if r.weight is not None),
    ]  # fmt: skip
    return reduce(math.gcd, (weight for weight in weights if weight), 0) or 1


@dataclass(frozen=True)
class _Trial:
    """Timing the first rounds in CPU time of this thread, where the pricing solves run
    (their wall time depends on what else runs meanwhile): hopeless once the rounds to
    go, at this pace and at the expected share of a core, would not fit in the time."""

    started: float
    deadline: float
    cpu_share: float

    def hopeless(self, rounds_done: int) -> bool:
        per_round = (time.thread_time() - self.started) / max(1, rounds_done)
        to_go = (EXPECTED_ROUNDS - rounds_done) * per_round / self.cpu_share
        return to_go > self.deadline - time.monotonic()


class ColumnGeneration:
    """The master LP and one pricing model per analyst. `run` prices round after round
    until the master LP is solved or the time is up, and keeps the best bound. With
    `annealed` (the default), rounds after the trial's are priced by annealing until
    they stall (`_AnnealedPricing`)."""

    def __init__(self, problem: Problem, annealed: bool = True) -> None:
        self.horizon = Horizon(problem)
        self.step = _granularity(problem)
        # Built by `run`, in its thread: a caller starts its own search at once.
        self.pricing: list[_Pricing] = []
        # The annealing does not take every problem: those price exactly.
        self.annealed = None
        if annealed and unsupported(problem) is None:
            self.annealed = _AnnealedPricing.of(self.horizon)
        self.master = _Master(self.horizon)
        self.bound: int | None = None
        self.converged = False
        self.infeasible = False
        self.stopped = False
        self.gave_up = False  # would not converge in the time: left the CPU to the search
        self.rounds = 0
        self.exact_rounds = 0
        self.values: list[float] = []  # the master's, each round since the last exact one
        self.last_exact = (0.0, 0.0)  # when the last exact round began and ended

    def run(
        self,
        seconds: float,
        on_bound: OnBound | None = None,
        cpu_share: float = 1.0,
    ) -> int | None:
        """Raise the bound for at most `seconds` (or until `stop`); the best bound so
        far, None if there is none yet or some analyst's own rules cannot hold.
        `cpu_share`: the part of a core this thread can expect."""
        deadline = time.monotonic() + seconds
        while len(self.pricing) < len(self.horizon.analysts) and not self.stopped:
            self.pricing.append(_Pricing.of(self.horizon, len(self.pricing)))
        try:
            self._first_columns(deadline)
            trial = _Trial(time.thread_time(), deadline, cpu_share)
            while not self.converged and not self.stopped and time.monotonic() < deadline:
                self._round(deadline, on_bound, trial if self.rounds < TRIAL_ROUNDS else None)
        except _Infeasible:
            self.infeasible = True
            return None
        return self.bound

    def stop(self) -> None:
        """Stop `run` (from another thread), interrupting the pricing solve under way."""
        self.stopped = True
        for model in self.pricing:
            if (solver := model.active) is not None:
                solver.stop_search()

    def _first_columns(self, deadline: float) -> None:
        """A first column per analyst: the roster cheapest by their own terms alone."""
        for model in self.pricing[len(self.master.columns) :]:
            if self.stopped or time.monotonic() >= deadline:
                return
            _, columns = model.price(Prices({}, {}, {}, {}), deadline - time.monotonic())
            if not columns:
                return
            self.master.add(columns[-1])

    def _round(self, deadline: float, on_bound: OnBound | None, trial: _Trial | None) -> None:
        """Solve the master, price every analyst at its duals, add the columns that
        price out, and raise the bound by the Lagrangian function at those duals."""
        if len(self.master.columns) < len(self.pricing):
            self._first_columns(deadline)
            return
        solved = self.master.solve()
        if solved is None:
            # GLOP's warm start sometimes ends ABNORMAL after many columns were added
            # (seen on bench/solver); the same LP built afresh solves.
            fresh = _Master(self.horizon)
            for column in self.master.columns:
                fresh.add(column)
            self.master = fresh
            solved = fresh.solve()
        if solved is None:
            self.stopped = True  # keep the bound so far
            return
        value, duals = solved
        every = Prices.at(duals, len(self.pricing))
        self.values.append(value)
        # The trial's rounds are exact: they time the rounds as `_Trial` expects, and
        # the solve gets a bound from the first round on.
        annealing = self.annealed is not None and self.exact_rounds >= TRIAL_ROUNDS
        if annealing and not self._exact_due() and self._annealed_round(duals, every):
            return
        self.values.clear()
        self.exact_rounds += 1
        started = time.monotonic()
        least_priced, found = [], []
        for model, prices in zip(self.pricing, every, strict=True):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.stopped:
                return
            lower, columns = model.price(prices, min(remaining, PRICING_SECONDS))
            if trial is not None and trial.hopeless(self.rounds):
                self.gave_up = self.stopped = True
                return
            least_priced.append(lower)
            convexity = duals.convexity[model.a]
            found += [c for c in columns if prices.cost(c) - convexity < -EPSILON]
        self.rounds += 1
        self.last_exact = (started, time.monotonic())
        lagrangian = self.master.lagrangian(duals, least_priced)  # -inf: a pricing timed out
        if lagrangian > -math.inf:
            bound = self.step * math.ceil((lagrangian - 1e-6) / self.step)
            if self.bound is None or bound > self.bound:
                self.bound = bound
                if on_bound is not None:
                    on_bound(bound)
        for column in found:
            self.master.add(column)
        # Nothing prices out (as far as the pricing proved), or the bound meets the
        # master's value: the LP is solved, the bound can rise no further.
        self.converged = not found or (self.bound is not None and self.bound >= value - 1e-6)

    def _exact_due(self) -> bool:
        """Whether the next round is priced exactly: the annealed rounds since the last
        exact one have stalled (the master fell by less than `STALL_SHARE` over the last
        `STALL_ROUNDS`), or have taken `ANNEALED_SHARE` of the time since it began (the
        bound, which only exact rounds raise, keeps rising meanwhile)."""
        began, ended = self.last_exact
        now = time.monotonic()
        if now - ended > ANNEALED_SHARE * (now - began):
            return True
        if len(self.values) <= STALL_ROUNDS:
            return False
        return self.values[-STALL_ROUNDS - 1] - self.values[-1] < STALL_SHARE * abs(self.values[-1])

    def _annealed_round(self, duals: Duals, every: list[Prices]) -> bool:
        """Price every analyst by annealing their row; add the columns that price out.
        Whether any did: when none does, the round is priced exactly instead."""
        assert self.annealed is not None
        last: dict[int, Column] = {column.analyst: column for column in self.master.columns}
        found = []
        for a, prices in enumerate(every):
            if self.stopped:
                return True
            seed = self.rounds * len(every) + a
            columns = self.annealed.price(a, prices, last.get(a), seed)
            found += [c for c in columns if prices.cost(c) - duals.convexity[a] < -EPSILON]
        self.rounds += 1
        for column in found:
            self.master.add(column)
        return bool(found)


def lower_bound(problem: Problem, seconds: float, on_bound: OnBound | None = None) -> int | None:
    """The best lower bound proved within `seconds`, reported to `on_bound` as it rises
    (None: none proved, or the problem has no roster)."""
    return ColumnGeneration(problem).run(seconds, on_bound)
