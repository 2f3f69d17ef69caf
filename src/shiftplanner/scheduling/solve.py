"""`solve(problem)`: build the CP-SAT model from the rules, start it from a constructive
hint, search, and report the roster with its cost breakdown (recomputed by the
independent checker), the proved bound and the gap. An infeasible problem is explained by
solving a relaxation that breaks as few hard rules as possible and naming them."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from ortools.sat.python import cp_model

from shiftplanner.scheduling import DEFAULT_WORKERS, checker
from shiftplanner.scheduling.anneal import Annealing, unsupported
from shiftplanner.scheduling.bound import ColumnGeneration
from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder
from shiftplanner.scheduling.heuristic import construct
from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.lns import DecisionVars, LargeNeighbourhoodSearch
from shiftplanner.scheduling.problem import Assignment, Problem
from shiftplanner.scheduling.rules import HARD_RULES, RULES
from shiftplanner.scheduling.rules.coverage import coverage
from shiftplanner.scheduling.solution import Progress, Solution, Status, Term, Violation

OnProgress = Callable[[Progress], None]
# What covering costs; `cover_first` minimises these alone.
COVER_TERMS = frozenset({Term.UNDER_COVER, Term.OVER_COVER, Term.SCREENER_SHORT, Term.SKILL_SHORT})


@dataclass(frozen=True)
class SolveOptions:
    time_limit_seconds: float = 60.0
    # The first search, at most `proof_seconds` and `proof_share` of the time: with many
    # workers CP-SAT's portfolio holds the LP-based ones that prove bounds.
    workers: int = DEFAULT_WORKERS
    proof_seconds: float = 10.0
    proof_share: float = 1 / 3
    # The rest of the time: few workers, each with more of the 2 cores, find better
    # rosters (measured in bench/solver)...
    search_workers: int = 2
    # ...unless the roster is by then within this fraction of its bound: what is left is
    # proving it, which the many workers do (a realistic team in bench/solver).
    prove_gap: float = 0.5
    # Start from a constructive roster (or, when re-planning, the current one).
    hint: bool = True
    # When that start leaves shift-days short, first look for a roster that covers them,
    # minimising the coverage costs alone, with `workers` for at most `cover_seconds` and
    # `cover_share` of the time; then the whole cost from there. Off: on the broad suite's
    # training half (bench/solver/suite.py, 10 s) the whole cost from the start did
    # better on 7 of 12 instances (up to 7× on a quarter-long horizon), tied on 3, lost 2.
    cover_first: bool = False
    cover_seconds: float = 10.0
    cover_share: float = 1 / 6
    # The last search is our large-neighbourhood search (lns.py) instead of CP-SAT's own:
    # short sub-searches, each with `search_workers`, over the incumbent with most of the
    # roster fixed. Off: on the suite's training half it won on 3 of 5 INRC-II instances
    # at 60 s (by 4-9 %) but lost on the rest, by up to 9x on a year (RESULTS.md).
    lns: bool = False
    lns_step_seconds: float = 0.5
    # How many of the last search's workers search the whole model (with 2 workers
    # CP-SAT makes one, from its LP); the others take turns at neighbourhoods and local
    # search. 0: neighbourhoods only. None: CP-SAT's choice. Left to CP-SAT: with 2 seeds
    # on the suite's training half at 60 s, 0 won on 2 INRC-II instances (by 7 and 12 %)
    # and a year, and lost on 2 INRC-II instances and on generated teams whose LP proves
    # the optimum (a quarter 40 against 20, 50 analysts 115 against 70; RESULTS.md).
    search_full_subsolvers: int | None = None
    # Simulated annealing (anneal.py) on a thread beside CP-SAT, its rosters offered to
    # the search (a CP-SAT phase that starts later starts from them). On the suite's
    # test half at 60 s it took INRC-II from 53-119 % above the optimum to 7-18 %, and a
    # year's rotation from 1030 to 80; after half the time it gives way to CP-SAT when
    # CP-SAT is ahead, which keeps the teams CP-SAT plans well as they were (RESULTS.md).
    anneal: bool = True
    # A second bound beside CP-SAT's, by column generation on one thread (bound.py):
    # far stronger where rosters are tight, at the cost of some search time.
    column_bound: bool = True
    # Stop once the roster is proved within this fraction of the bound (0: optimal).
    gap_limit: float = 0.0
    seed: int = 0
    explain_seconds: float = 20.0
    # The baseline for the benchmark: the textbook model, CP-SAT's defaults, no hint, no
    # large-neighbourhood search.
    plain: bool = False
    # CP-SAT parameters by name (SatParameters), for every search: what bench/solver tunes.
    cp_sat: tuple[tuple[str, int | float | bool], ...] = ()
    # ...and for the last search only (after `cp_sat`).
    search_cp_sat: tuple[tuple[str, int | float | bool], ...] = ()


@dataclass
class _Best:
    """What the searches share, under a lock: the best roster, the proved bound, and the
    history of improvements."""

    started: float
    on_progress: OnProgress | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    values: list[int] | None = None
    objective: int | None = None
    bound: int = 0
    history: list[Progress] = field(default_factory=list)

    def offer(self, values: list[int], objective: int) -> bool:
        with self.lock:
            if self.objective is not None and objective >= self.objective:
                return False
            self.values, self.objective = values, objective
            point = self._record(objective)
        if self.on_progress is not None:
            self.on_progress(point)
        return True

    def _record(self, objective: int) -> Progress:
        """A point of progress (under the lock)."""
        point = Progress(
            seconds=round(time.monotonic() - self.started, 3),
            objective=objective,
            bound=min(self.bound, objective),
        )
        self.history.append(point)
        return point

    def raise_bound(self, bound: float) -> None:
        with self.lock:
            self.bound = max(self.bound, math.ceil(bound - 1e-6))

    def proved(self, bound: int) -> None:
        """A bound from outside the search: recorded in the progress when it rises."""
        with self.lock:
            if bound <= self.bound:
                return
            self.bound = bound
            if self.objective is None:
                return
            point = self._record(self.objective)
        if self.on_progress is not None:
            self.on_progress(point)

    def closed(self, gap_limit: float) -> bool:
        with self.lock:
            if self.objective is None:
                return False
            return (
                self.objective <= self.bound
                or (self.objective - self.bound) <= gap_limit * self.objective
            )


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Offers every roster found to `best`. When the search minimises only part of the
    cost (`cost` is then the whole of it), its bound says nothing of the whole."""

    def __init__(self, best: _Best, decision: DecisionVars, cost: LinearExpr | None) -> None:
        super().__init__()
        self.best = best
        self.decision = decision
        self.cost = cost
        self.last: list[int] | None = None

    def on_solution_callback(self) -> None:
        values = [int(self.boolean_value(var)) for var in self.decision.flat]
        self.last = values
        if self.cost is None:
            self.best.raise_bound(self.best_objective_bound)
            self.best.offer(values, round(self.objective_value))
        else:
            self.best.offer(values, round(self.value(self.cost)))


@dataclass(frozen=True)
class _Phase:
    """One search: its workers, its end, and whether it minimises coverage alone or is
    the last, few-worker search."""

    workers: int
    until: float
    cover: bool = False
    last: bool = False


def _phases(options: SolveOptions, started: float, covering: bool) -> list[_Phase]:
    """Cover first (when `covering`), then prove with many workers, then search with few
    (or, when by then near the bound, go on proving: see `SolveOptions`)."""
    limit = options.time_limit_seconds
    deadline = started + limit
    if options.plain:
        return [_Phase(options.workers, deadline)]
    phases = []
    at = started
    if covering:
        at += min(options.cover_seconds, limit * options.cover_share)
        phases.append(_Phase(options.workers, at, cover=True))
    if options.search_workers != options.workers:
        at += min(options.proof_seconds, limit * options.proof_share)
        phases.append(_Phase(options.workers, at))
    phases.append(_Phase(options.search_workers, deadline, last=True))
    return phases


def covers_short(problem: Problem, roster: list[Assignment]) -> bool:
    """Whether the roster leaves a shift-day short of analysts or screeners."""
    breakdown = checker.check(problem, roster).breakdown
    return any(breakdown[term].count for term in COVER_TERMS if term in breakdown)


@dataclass
class _Annealer:
    """The annealing (anneal.py) on a thread of its own beside the search, offering each
    better roster it finds to `best` at the checker's price."""

    stop: threading.Event
    thread: threading.Thread

    @classmethod
    def start(
        cls,
        annealing: Annealing,
        best: _Best,
        builder: ModelBuilder,
        decision: DecisionVars,
        seconds: float,
    ) -> _Annealer:
        """Anneal for `seconds` (cooling over them)."""
        problem = annealing.problem
        stop = threading.Event()
        offered: list[int] = []  # the price of each roster offered

        def offer(roster: list[Assignment]) -> None:
            values = _values(builder, decision, roster)
            # What the solve would return for it: the same roster as `_roster` reads it.
            report = checker.check(
                problem, _covering_skills(problem, _roster(builder, decision, values))
            )
            if report.feasible:
                offered.append(report.objective)
                best.offer(values, report.objective)

        def behind(own: int | None) -> bool:
            return _annealing_behind(best.objective, offered[-1] if offered else None, own)

        thread = threading.Thread(
            target=annealing.run,
            args=(seconds, offer, stop, behind),
            name="annealing",
            daemon=True,
        )
        thread.start()
        return cls(stop, thread)

    def stop_and_join(self) -> None:
        self.stop.set()
        self.thread.join()


def _annealing_behind(ahead: int | None, offered: int | None, own: int | None) -> bool:
    """Whether the search's best roster (`ahead`) beats the annealing's: the last it
    offered (at the checker's price) and its own count of its best, which may be newer
    and far better (offers are spaced out while the checker prices each one; judged by
    the last offer alone, annealings that were ahead gave up: INRC-II at 10 s,
    bench/solver/RESULTS.md). Its own count is never below the checker's price."""
    if ahead is None:
        return False
    known = [price for price in (offered, own) if price is not None]
    return not known or ahead < min(known)


@dataclass
class _ColumnBound:
    """The column-generation bound (bound.py) on a thread of its own beside the search,
    reporting to `best`. It gives up by itself when it would not converge in the time."""

    generation: ColumnGeneration
    thread: threading.Thread

    @classmethod
    def start(cls, problem: Problem, options: SolveOptions, best: _Best) -> _ColumnBound:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        # Its share of the cores beside the search's workers (after the proving search).
        share = min(1.0, (cores or 1) / (options.search_workers + 1))
        generation = ColumnGeneration(problem)
        thread = threading.Thread(
            target=generation.run,
            args=(options.time_limit_seconds, best.proved, share),
            name="column-bound",
            daemon=True,
        )
        thread.start()
        return cls(generation, thread)

    def stop(self) -> None:
        self.generation.stop()  # interrupts the pricing solve under way
        self.thread.join()


def build(problem: Problem, *, relaxed: bool = False, plain: bool = False) -> ModelBuilder:
    builder = ModelBuilder(Horizon(problem), relaxed=relaxed, plain=plain)
    for rule in (*HARD_RULES, coverage) if relaxed else RULES:
        rule(builder)
    builder.model.minimize(builder.objective())
    return builder


def _hint(builder: ModelBuilder, assignments: list[Assignment]) -> None:
    h = builder.horizon
    chosen = {
        (h.analyst_index[a.analyst_id], h.index[a.date]): (
            h.shift_index[a.shift_type_id],
            a.is_screener,
            a.skill,
        )
        for a in assignments
        if a.date in h.index
    }
    for a in range(len(h.analysts)):
        for d in range(h.size):
            pick = chosen.get((a, d))
            builder.model.add_hint(builder.work[a][d], pick is not None)
            for s, var in enumerate(builder.x[a][d]):
                builder.model.add_hint(var, pick is not None and pick[0] == s)
            if a in builder.screener:
                for s, var in enumerate(builder.screener[a][d]):
                    builder.model.add_hint(var, pick is not None and pick[0] == s and pick[1])
    for (a, d, s), duties in builder.skill_duty.items():
        pick = chosen.get((a, d))
        for skill, var in duties.items():
            builder.model.add_hint(var, pick is not None and pick[0] == s and pick[2] == skill)


def _parameters(
    solver: cp_model.CpSolver, options: SolveOptions, time_limit: float, workers: int
) -> None:
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = options.seed
    solver.parameters.log_search_progress = False
    for name, value in options.cp_sat:
        setattr(solver.parameters, name, value)


def _roster(builder: ModelBuilder, decision: DecisionVars, values: list[int]) -> list[Assignment]:
    h = builder.horizon
    roster = []
    for (a, d), positions in decision.by_cell.items():
        cell = [values[i] for i in positions]
        shifts, duty = cell[: len(h.shifts)], cell[len(h.shifts) :]
        for s, worked in enumerate(shifts):
            if worked:
                covered = decision.skills.get((a, d, s), [])
                roster.append(
                    Assignment(
                        analyst_id=h.analysts[a].id,
                        date=h.days[d],
                        shift_type_id=h.shifts[s].id,
                        is_screener=bool(duty and duty[s]),
                        skill=next((skill for skill, i in covered if values[i]), None),
                    )
                )
    return roster


def _values(builder: ModelBuilder, decision: DecisionVars, roster: list[Assignment]) -> list[int]:
    """The decision variables' values of a roster of one shift a day at most (`_roster`'s
    inverse); a skill the model has no variable for is dropped."""
    h = builder.horizon
    values = [0] * len(decision.flat)
    for a in roster:
        cell = (h.analyst_index[a.analyst_id], h.index[a.date])
        s = h.shift_index[a.shift_type_id]
        positions = decision.by_cell[cell]
        values[positions[s]] = 1
        if a.is_screener:
            values[positions[len(h.shifts) + s]] = 1
        for skill, position in decision.skills.get((*cell, s), []):
            if skill == a.skill:
                values[position] = 1
    return values


def _covering_skills(problem: Problem, roster: list[Assignment]) -> list[Assignment]:
    """The roster with each assignment that covers no skill given one of the analyst's
    that its shift-day is still short of: the same roster, never dearer (a search stopped
    early may leave such free cover), and an assignment left without a skill then
    covers nothing any skill of the analyst's would."""
    short: dict[tuple[date, int, str], int] = {}
    weights: dict[tuple[date, int, str], int] = {}
    for need in problem.coverage:
        for cover in need.skills:
            key = (need.date, need.shift_type_id, cover.skill)
            short[key] = cover.optimal
            weights[key] = (
                problem.weights.skill_short if cover.under_weight is None else cover.under_weight
            )
    if not short:
        return roster
    for a in roster:
        if a.skill is not None and (key := (a.date, a.shift_type_id, a.skill)) in short:
            short[key] -= 1
    skills = {analyst.id: analyst.skills for analyst in problem.analysts}
    filled = []
    for a in roster:
        if a.skill is None:
            open_needs = [
                (weights[key], skill)
                for skill in skills[a.analyst_id]
                if short.get(key := (a.date, a.shift_type_id, skill), 0) > 0 and weights[key]
            ]
            if open_needs:
                skill = max(open_needs)[1]
                short[(a.date, a.shift_type_id, skill)] -= 1
                a = a.model_copy(update={"skill": skill})
        filled.append(a)
    return filled


def _search(
    builder: ModelBuilder,
    options: SolveOptions,
    phase: _Phase,
    best: _Best,
    lns: LargeNeighbourhoodSearch,
    stop: threading.Event,
) -> tuple[cp_model.CpSolverStatus, list[int] | None]:
    """One search of the phase (until its end or a proof): CP-SAT's, or for the last phase
    with `options.lns` our large-neighbourhood search; every roster found goes to `best`.
    Returns the status and the phase's own last roster."""
    deadline = max(phase.until, time.monotonic() + 0.05)
    if phase.last and options.lns and not options.plain and best.values is not None:
        return _neighbourhoods(options, phase, best, lns, stop), None
    cost = None
    if phase.cover:
        cost = builder.objective()
        builder.model.minimize(builder.objective(only=COVER_TERMS))
    solver = cp_model.CpSolver()
    _parameters(solver, options, deadline - time.monotonic(), phase.workers)
    if phase.last:
        for name, value in options.search_cp_sat:
            setattr(solver.parameters, name, value)
    if phase.last and options.search_full_subsolvers == 0:
        solver.parameters.use_lns_only = True
    elif phase.last and options.search_full_subsolvers is not None:
        solver.parameters.num_full_subsolvers = options.search_full_subsolvers
    if not phase.cover:
        solver.best_bound_callback = best.raise_bound
    recorder = _Recorder(best, lns.decision, cost)
    outcome: list[cp_model.CpSolverStatus] = []
    main = threading.Thread(
        target=lambda: outcome.append(solver.solve(builder.model, recorder)),
        name="cp-sat",
        daemon=True,
    )
    main.start()
    while main.is_alive():
        if best.closed(options.gap_limit) or stop.is_set():
            solver.stop_search()
            break
        main.join(0.05)
    main.join()
    status = outcome[0] if outcome else cp_model.UNKNOWN
    if phase.cover:
        assert cost is not None
        builder.model.minimize(cost)
    elif status == cp_model.OPTIMAL:
        best.raise_bound(solver.objective_value)
    return status, recorder.last


def _neighbourhoods(
    options: SolveOptions,
    phase: _Phase,
    best: _Best,
    lns: LargeNeighbourhoodSearch,
    stop: threading.Event,
) -> cp_model.CpSolverStatus:
    """The phase spent in large-neighbourhood steps on the best roster, each improvement
    offered to `best`."""
    lns.workers = phase.workers
    while not (best.closed(options.gap_limit) or stop.is_set()):
        remaining = phase.until - time.monotonic()
        if remaining < 0.1:
            break
        with best.lock:
            values, objective, bound = best.values, best.objective, best.bound
        assert values is not None
        assert objective is not None
        lns.offer(values, objective)
        if lns.step(min(options.lns_step_seconds, remaining), bound):
            assert lns.incumbent is not None
            best.offer(lns.incumbent.values, lns.incumbent.objective)
    return cp_model.FEASIBLE


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
) -> Solution:
    """Two searches over one model: first a short one with many workers, whose portfolio
    proves small problems optimal and raises the bound of larger ones; then, if the gap
    is still open, the rest of the time with few workers started from the best roster,
    which finds better rosters on 2 cores (bench/solver). Setting `stop` (from another
    thread) ends the search at once with the best roster found so far. A process's first
    solve loads the annealing's kernel from numba's cache (`make install` fills it), or
    compiles it where there is none (10-30 s on 2 cores), before the time limit's clock
    starts: the compiler holds the GIL, and inside the limit it would leave a short search
    no time at all."""
    options = options or SolveOptions()
    stop = stop or threading.Event()
    annealing = None
    if options.anneal and not options.plain and unsupported(problem) is None:
        annealing = Annealing(problem, seed=options.seed)
        annealing.prepare()
    started = time.monotonic()
    deadline = started + options.time_limit_seconds
    builder = build(problem, plain=options.plain)
    covering = False
    if options.hint and not options.plain:
        start = problem.hint if problem.hint is not None else construct(builder.horizon)
        _hint(builder, start)
        # Not when re-planning: covering alone would wander from the current roster.
        covering = options.cover_first and problem.hint is None and covers_short(problem, start)
    lns = LargeNeighbourhoodSearch(builder, options.seed)
    best = _Best(started, on_progress)
    bounding = None
    if options.column_bound and not options.plain and problem.analysts:
        bounding = _ColumnBound.start(problem, options, best)
    annealer = None
    if annealing is not None:
        remaining = deadline - time.monotonic()
        annealer = _Annealer.start(annealing, best, builder, lns.decision, remaining)
    status = cp_model.UNKNOWN
    covered: list[int] | None = None  # the covering search's last roster
    for phase in _phases(options, started, covering):
        if best.closed(options.gap_limit) or time.monotonic() >= deadline - 0.05 or stop.is_set():
            break
        if phase.last and best.closed(options.prove_gap):
            # What is left is proving: CP-SAT's many workers, not neighbourhoods.
            phase = replace(phase, workers=options.workers, last=False)
        # After covering, go on from the roster that covers best; else from the best.
        begin = covered or best.values
        if begin is not None and options.hint:
            builder.model.clear_hints()  # type: ignore[no-untyped-call]
            _hint(builder, _roster(builder, lns.decision, begin))
        status, found = _search(builder, options, phase, best, lns, stop)
        covered = found if phase.cover else None
        if status == cp_model.INFEASIBLE or (status == cp_model.OPTIMAL and not phase.cover):
            break
    if bounding is not None:
        bounding.stop()
    if annealer is not None:
        annealer.stop_and_join()
    seconds = round(time.monotonic() - started, 3)
    if status == cp_model.INFEASIBLE:
        return Solution(
            status=Status.INFEASIBLE, seconds=seconds, explanation=explain(problem, options)
        )
    if best.values is None or best.objective is None:
        return Solution(status=Status.UNKNOWN, seconds=seconds, progress=best.history)
    roster = _covering_skills(problem, _roster(builder, lns.decision, best.values))
    report = checker.check(problem, roster)
    # The roster's true cost. The model's shortage and surplus variables are only bounded
    # from below (tight at the optimum), so a roster found on the way may carry a model
    # objective above what it really costs.
    objective = report.objective
    bound = min(best.bound, objective)
    return Solution(
        status=Status.OPTIMAL if objective <= bound else Status.FEASIBLE,
        assignments=roster,
        objective=objective,
        bound=bound,
        gap=0.0 if objective == 0 else round((objective - bound) / objective, 4),
        breakdown=report.breakdown,
        seconds_to_first=best.history[0].seconds if best.history else None,
        seconds_to_best=best.history[-1].seconds if best.history else None,
        seconds=seconds,
        progress=best.history,
    )


def explain(problem: Problem, options: SolveOptions) -> list[Violation]:
    """The fewest hard-rule breaks (weighted by how much each is broken) that would let
    a roster exist, each named with its rule, analyst, shift type and days."""
    builder = build(problem, relaxed=True)
    solver = cp_model.CpSolver()
    _parameters(solver, options, options.explain_seconds, options.workers)
    status = solver.solve(builder.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [
            Violation(
                rule="unexplained",
                message="The rules contradict each other in a way the relaxation could not resolve in time.",
            )
        ]
    return [
        Violation(
            rule=slack.ref.rule,
            message=slack.ref.message,
            analyst_id=slack.ref.analyst_id,
            shift_type_id=slack.ref.shift_type_id,
            dates=list(slack.ref.dates),
            amount=solver.value(slack.var),
        )
        for slack in builder.slacks
        if solver.value(slack.var) > 0
    ]
