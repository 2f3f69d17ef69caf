"""Simulated annealing over the whole roster, beside CP-SAT: an analyst's day or stretch
of days changed, a day or stretch swapped between two analysts, each move's cost change
computed from the rows and shift-days it touches (anneal_kernel.py, compiled). It finds
far better rosters than CP-SAT's search on large teams within a minute (INRC-II, 30-50
nurses: bench/solver/RESULTS.md); CP-SAT stays for the first roster, the proof, the
bound, and the problems it does not take (`unsupported`).

Every rule of problem.py is priced as the checker prices it (tests/scheduling/
test_anneal.py). A roster it reports has broken no hard rule by its own count; the caller
checks it with the checker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.problem import Assignment, Problem, RequestKind

Array = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
OnRoster = Callable[[list[Assignment]], None]

# The temperature falls geometrically over the time given, from this many times the
# largest soft weight in play down to this share of the smallest (1.0 at the start did
# no better on INRC-II: bench/solver/RESULTS.md).
START_TEMPERATURE = 1.5
END_TEMPERATURE = 0.05
# A unit of a hard rule broken costs this many times the largest soft weight.
HARD_PENALTY = 10
# Each compiled call runs this long (its moves sized from the last call's speed), so that
# a stop or a better roster is seen within it.
CALL_SECONDS = 0.05
# How moves are drawn (anneal_kernel.MIX_*): 40 % changes, half of them of one day, the
# others of 2-7 days; 60 % swaps, half of one day, the others of 2-14 days. Stretches
# win over single days alone (INRC-II, 30 s, 3 seeds: n050 1635 against 1707 on average)
# and the longer stretches over 2-5 and 2-7 (1593 against 1635; n035 a tie).
MOVE_MIX = (0.4, 0.5, 7, 0.5, 14)
# From this share of its time on, the annealing gives way to a search that is ahead.
YIELD_AFTER = 0.5
# A better roster goes out at most this often, and at most this share of the time goes
# to the caller's handling of them (it checks each one: 0.2 s for a year's roster).
REPORT_SECONDS = 0.5
REPORT_SHARE = 0.1


def unsupported(problem: Problem) -> str | None:
    """Why the annealing does not take this problem (no roster keeps its locked shifts,
    there is nothing to plan, or too many shift types), or None when it does."""
    days = {(lock.analyst_id, lock.date) for lock in problem.locked}
    locks = {
        (lock.analyst_id, lock.date, lock.shift_type_id, lock.is_screener)
        for lock in problem.locked
    }
    if len(days) != len(locks):
        return "two different locked assignments on one day"
    if not problem.analysts or not problem.shift_types:
        return "there is nothing to plan"
    analysts = {a.id: a for a in problem.analysts}
    for lock in problem.locked:
        analyst = analysts[lock.analyst_id]
        unavailable = {(u.date, u.shift_type_id) for u in analyst.unavailable}
        # No roster keeps these: CP-SAT explains them.
        if lock.date in analyst.days_off or (lock.date, lock.shift_type_id) in unavailable:
            return "a locked shift falls on a day off"
        if lock.is_screener and problem.rules.screener_skill not in analyst.skills:
            return "a locked screener duty without the skill"
    if len(problem.shift_types) > 62:  # the day before the horizon is a 64-bit mask
        return "more than 62 shift types"
    return None


def compile_kernel() -> None:
    """Compile the kernel into numba's cache (beside its source) for every problem: they
    all share one set of argument types. `make install` calls it, so that no one's first
    solve waits for the compiler (10-40 s on 2 cores, holding the GIL)."""
    tiny = Problem.model_validate(
        {
            "start": "2026-03-02",
            "end": "2026-03-02",
            "shift_types": [{"id": 1, "start": "07:00", "minutes": 480}],
            "analysts": [{"id": 1}],
        }
    )
    Annealing(tiny).prepare()
    # And the column generation's pricing by annealing (bound.py), with no moves.
    from shiftplanner.scheduling import anneal_kernel as k

    a = Arrays(Horizon(tiny))
    cells = np.zeros((1, 1))
    row, duty = np.full(1, -1, np.int64), np.zeros(1, np.int64)
    k.price_row(0, row, duty, cells, cells, np.zeros(3), 0, 0, np.ones(3), 1, a.rules)


@dataclass
class Arrays:
    """The problem as the kernel's arrays (see anneal_kernel.py for their columns)."""

    horizon: Horizon
    skill_names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        from shiftplanner.scheduling import anneal_kernel as k

        h = self.horizon
        p = h.problem
        analysts, days, shifts = len(h.analysts), h.size, len(h.shifts)
        self.skill_names = sorted({need.skill for c in p.coverage for need in c.skills})
        skill_index = {name: i for i, name in enumerate(self.skill_names)}
        skill_slots = max(1, len(self.skill_names))
        w = p.weights

        def weight(value: int | None) -> int:
            return k.HARD if value is None else value

        self.weights = np.array(
            [
                weight(w.consecutive_days),
                weight(w.consecutive_days_off),
                weight(w.consecutive_shift_type),
                weight(w.assignments),
                weight(w.weekends),
                weight(w.complete_weekends),
                w.fairness_weekends,
                w.fairness_nights,
                w.fairness_screener,
                w.screener_short,
                p.rules.max_consecutive_screener_days,
            ],
            np.int64,
        )
        self.shift_info = np.array(
            [
                [
                    s.minutes,
                    s.min_consecutive or 0,
                    k.NO_LIMIT if s.max_consecutive is None else s.max_consecutive,
                    int(s.is_night),
                ]
                for s in h.shifts
            ],
            np.int64,
        ).reshape(shifts, k.SHIFT_FIELDS)
        self.forbidden = np.zeros((shifts, shifts), np.bool_)
        for first, banned in h.banned_next.items():
            for then in banned:
                self.forbidden[first, then] = True
        weekends = h.weekends
        self.wk_sat = np.array(
            [days_[0] if h.days[days_[0]].weekday() == 5 else -1 for days_ in weekends], np.int64
        )
        self.wk_sun = np.array(
            [days_[-1] if h.days[days_[-1]].weekday() == 6 else -1 for days_ in weekends],
            np.int64,
        )
        self.ainfo = np.zeros((analysts, k.ANALYST_FIELDS), np.int64)
        self.ashift = np.zeros((analysts, shifts, k.ANALYST_SHIFT_FIELDS), np.int64)
        self.skills = np.full((analysts, skill_slots), -1, np.int64)
        self.skill_count = np.zeros(analysts, np.int64)
        self.has_skill = np.zeros((analysts, skill_slots), np.bool_)
        self.allowed = np.ones((analysts, days, shifts + 1), np.bool_)
        self.fixed = np.zeros((analysts, days), np.bool_)
        self.state_cost = np.zeros((analysts, days, shifts + 1), np.int64)
        self.start_state = np.full((analysts, days), -1, np.int64)
        self.start_duty = np.zeros((analysts, days), np.int64)
        self.everyone = np.ones(analysts, np.bool_)
        self.skilled = np.array([h.is_screener(a) for a in h.analysts], np.bool_)
        for n, analyst in enumerate(h.analysts):
            self._analyst(n, analyst.id, skill_index)
        self._requests()
        self._locked_and_hint()
        self.needs = np.zeros((days, shifts, k.NEED_FIELDS), np.int64)
        self.needs[:, :, k.OVER] = w.over_cover
        self.skill_needs = np.zeros((days, shifts, skill_slots, 3), np.int64)
        for c in p.coverage:
            d, s = h.index[c.date], h.shift_index[c.shift_type_id]
            self.needs[d, s] = [
                c.required,
                w.under_cover if c.under_weight is None else c.under_weight,
                w.over_cover if c.over_weight is None else c.over_weight,
                c.hard_min or 0,
                c.screeners_required,
            ]
            for need in c.skills:
                self.skill_needs[d, s, skill_index[need.skill]] = [
                    need.minimum,
                    need.optimal,
                    w.skill_short if need.under_weight is None else need.under_weight,
                ]

    def _analyst(self, n: int, analyst_id: int, skill_index: dict[str, int]) -> None:
        from shiftplanner.scheduling import anneal_kernel as k

        h = self.horizon
        p = h.problem
        analyst = h.analysts[n]
        contract = analyst.contract
        known = h.history(analyst)  # offset → day
        worked_on = {offset: h.history_shifts(analyst, offset) for offset in known}

        def carried(member: Callable[[int], bool]) -> tuple[int, int]:
            """The run of a state up to the day before the horizon, and whether the day
            before it (or before day 0, when there is none) is unknown."""
            length = 0
            while -(length + 1) in known and member(-(length + 1)):
                length += 1
            return length, int(-(length + 1) not in known)

        def works(offset: int) -> bool:
            return known[offset].shift_type_id is not None

        info = self.ainfo[n]
        mask = 0
        for shift_id in worked_on.get(-1, set()):
            if shift_id in h.shift_index:
                mask |= 1 << h.shift_index[shift_id]
        info[k.PREV_MASK] = mask
        info[k.WORK_CARRIED], info[k.WORK_UNKNOWN] = carried(works)
        info[k.OFF_CARRIED], info[k.OFF_UNKNOWN] = carried(lambda offset: not works(offset))
        info[k.WORK_MIN] = contract.min_consecutive_days or 0
        info[k.WORK_MAX] = (
            k.NO_LIMIT if contract.max_consecutive_days is None else contract.max_consecutive_days
        )
        info[k.OFF_MIN] = contract.min_consecutive_days_off or 0
        info[k.OFF_MAX] = (
            k.NO_LIMIT
            if contract.max_consecutive_days_off is None
            else contract.max_consecutive_days_off
        )
        info[k.MIN_MINUTES] = -1 if contract.min_minutes is None else contract.min_minutes
        info[k.MAX_MINUTES] = -1 if contract.max_minutes is None else contract.max_minutes
        counts = p.contract_history.get(analyst.id)
        info[k.ASSIGNMENTS_BEFORE] = counts.assignments if counts else 0
        info[k.MIN_ASSIGNMENTS] = (
            -1 if contract.min_assignments is None else contract.min_assignments
        )
        info[k.MAX_ASSIGNMENTS] = (
            -1 if contract.max_assignments is None else contract.max_assignments
        )
        info[k.WEEKENDS_BEFORE] = counts.weekends if counts else 0
        info[k.MAX_WEEKENDS] = -1 if contract.max_weekends is None else contract.max_weekends
        info[k.COMPLETE_WEEKENDS] = int(contract.complete_weekends)
        if p.start.weekday() == 6 and -1 in known:
            info[k.SATURDAY_BEFORE] = 2 if works(-1) else 1
        fairness = p.fairness_history.get(analyst.id)
        info[k.FAIR_WEEKENDS_BEFORE] = fairness.weekends if fairness else 0
        info[k.FAIR_NIGHTS_BEFORE] = fairness.nights if fairness else 0
        info[k.FAIR_SCREENER_BEFORE] = fairness.screener_days if fairness else 0
        info[k.SCREENER] = int(h.is_screener(analyst))
        info[k.SCREEN_CARRIED] = carried(
            lambda offset: works(offset) and known[offset].is_screener
        )[0]
        for s, shift in enumerate(h.shifts):

            def on_shift(offset: int, shift_id: int = shift.id) -> bool:
                return shift_id in worked_on[offset]

            run = self.ashift[n, s]
            run[k.SHIFT_CARRIED], run[k.SHIFT_UNKNOWN] = carried(on_shift)
            most = contract.max_shifts_per_type.get(shift.id)
            run[k.MAX_OF_TYPE] = -1 if most is None else most
        own = sorted(skill_index[skill] for skill in analyst.skills if skill in skill_index)
        self.skills[n, : len(own)] = own
        self.skill_count[n] = len(own)
        self.has_skill[n, own] = True
        for day in analyst.days_off:
            if day in h.index:
                self.allowed[n, h.index[day], 1:] = False
        for gone in analyst.unavailable:
            self.allowed[n, h.index[gone.date], h.shift_index[gone.shift_type_id] + 1] = False

    def _requests(self) -> None:
        h = self.horizon
        p = h.problem
        for r in p.requests:
            if r.date not in h.index:
                continue
            n, d = h.analyst_index[r.analyst_id], h.index[r.date]
            on = r.kind is RequestKind.ON
            weight = r.weight
            if weight is None:
                weight = p.weights.on_request if on else p.weights.off_request
            # The states (index: shift + 1, 0 off) that meet the request...
            meets = np.zeros(len(h.shifts) + 1, np.bool_)
            if r.shift_type_id is None:
                meets[1:] = True
            else:
                meets[h.shift_index[r.shift_type_id] + 1] = True
            # ...cost when an on-request is not met, when an off-request is.
            self.state_cost[n, d] += np.where(meets != on, weight, 0)

    def _locked_and_hint(self) -> None:
        h = self.horizon
        p = h.problem
        if p.hint is not None:
            hinted: dict[tuple[int, int], set[int]] = {}
            for a in p.hint:
                if a.date in h.index:
                    hinted.setdefault((h.analyst_index[a.analyst_id], h.index[a.date]), set()).add(
                        h.shift_index[a.shift_type_id]
                    )
            for n in range(len(h.analysts)):
                for d in range(h.size):
                    wanted = hinted.get((n, d), set())
                    for t in range(-1, len(h.shifts)):
                        if {t} - {-1} != wanted:
                            self.state_cost[n, d, t + 1] += p.weights.change
                    if len(wanted) == 1:
                        self.start_state[n, d] = next(iter(wanted))
        for lock in p.locked:
            n, d = h.analyst_index[lock.analyst_id], h.index[lock.date]
            self.start_state[n, d] = h.shift_index[lock.shift_type_id]
            self.start_duty[n, d] = int(lock.is_screener)
            self.fixed[n, d] = True
        # A start breaks no fixed day off.
        blocked = ~np.take_along_axis(self.allowed, self.start_state[:, :, None] + 1, 2)[:, :, 0]
        self.start_state[blocked & ~self.fixed] = -1

    @property
    def rules(self) -> tuple[Array | Flags, ...]:
        """The arrays in the order the kernel reads them (anneal_kernel's `rules`)."""
        return (
            self.ainfo,
            self.ashift,
            self.shift_info,
            self.forbidden,
            self.state_cost,
            self.wk_sat,
            self.wk_sun,
            self.weights,
            self.needs,
            self.skill_needs,
            self.everyone,
            self.skilled,
            self.fixed,
            self.allowed,
            self.skills,
            self.skill_count,
            self.has_skill,
        )

    def priced(self, state: Array, skill: Array, duty: Array) -> tuple[Array, ...]:
        """A roster with the counters the kernel keeps (anneal_kernel's `counters`),
        filled in: the last, `totals`, starts with its soft and its hard cost."""
        from shiftplanner.scheduling import anneal_kernel as k

        analysts, days = state.shape
        shifts = self.shift_info.shape[0]
        counters = (
            state,
            skill,
            duty,
            np.zeros((days, shifts), np.int64),  # analysts per shift-day
            np.zeros((days, shifts), np.int64),  # screeners per shift-day
            np.zeros((days, shifts, self.skills.shape[1]), np.int64),
            np.zeros((analysts, 2), np.int64),  # each analyst's soft and hard cost
            np.zeros((analysts, 3), np.int64),  # each analyst's fairness counts
            np.array([0, 0, -1, 0], np.int64),
        )
        k.evaluate(counters, self.rules)
        return counters

    @property
    def soft_weights(self) -> list[int]:
        """The weights of everything the search trades against each other."""
        from shiftplanner.scheduling import anneal_kernel as k

        values = [int(v) for v in self.weights[: k.W_SCREENER_SHORT + 1] if v > 0]
        values += [int(v) for v in self.needs[:, :, [k.UNDER, k.OVER]].ravel() if v > 0]
        values += [int(v) for v in self.skill_needs[:, :, :, k.SKILL_WEIGHT].ravel() if v > 0]
        values += [int(v) for v in self.state_cost.ravel() if v > 0]
        return values or [1]


@dataclass
class Annealing:
    """One annealing run over a problem, from an empty roster (the locked shifts and,
    when re-planning, the current roster), cooling over `seconds`."""

    problem: Problem
    seed: int = 0
    moves: int = 0
    best_objective: int | None = None  # the annealing's own count, without the checker
    _arrays: Arrays | None = None
    _counters: tuple[Array, ...] = ()  # the current roster and what the kernel counts of it
    _best: tuple[Array, ...] = ()  # the best roster: state, skill, duty

    def prepare(self) -> None:
        """Build the arrays and price the start roster. A process's first call compiles
        the kernel (or loads it from numba's cache): seconds that hold the GIL, which
        `solve()` spends before its clock starts, not inside the searches' time."""
        from shiftplanner.scheduling import anneal_kernel as k

        if self._arrays is not None:
            return
        a = Arrays(Horizon(self.problem))
        counters = a.priced(
            a.start_state.copy(), np.full(a.start_state.shape, -1, np.int64), a.start_duty.copy()
        )
        totals = counters[-1]
        if totals[1] == 0:
            totals[2], totals[3] = totals[0], 1
        best = tuple(array.copy() for array in counters[:3])
        # No moves: compiles the kernel for these arrays' types.
        k.anneal(counters, best, 1.0, 0, 0, 1, np.array(MOVE_MIX, np.float64), a.rules)
        self._arrays, self._counters, self._best = a, counters, best

    def run(
        self,
        seconds: float,
        on_roster: OnRoster,
        stop: threading.Event,
        behind: Callable[[int | None], bool] | None = None,
    ) -> None:
        """Anneal until `seconds` have passed or `stop` is set; each better roster without
        hard breaks goes to `on_roster` (see `REPORT_SECONDS`). From half the time on, give
        up when `behind(its own count of its best, None before it has one)` says a search
        beside it has a better roster: its core is then worth more to that search
        (bench/solver/RESULTS.md)."""
        from shiftplanner.scheduling import anneal_kernel as k

        self.prepare()  # before the clock: a compile is not the annealing's time
        deadline = time.monotonic() + seconds
        a, counters, best = self._arrays, self._counters, self._best
        assert a is not None
        totals = counters[-1]
        weights = a.soft_weights
        hot = START_TEMPERATURE * max(weights)
        cold = END_TEMPERATURE * min(weights)
        hard_weight = HARD_PENALTY * max(weights)
        began = time.monotonic()
        span = max(deadline - began, 1e-3)
        batch = 1000
        mix = np.array(MOVE_MIX, np.float64)
        reported = 0
        reported_at = 0.0
        report_every = REPORT_SECONDS
        call = 0
        while True:
            now = time.monotonic()
            if totals[3] != reported and (
                now - reported_at >= report_every or now >= deadline or stop.is_set()
            ):
                reported, reported_at = totals[3], now
                self.best_objective = int(totals[2])
                on_roster(self._roster(*best))
                handled, now = time.monotonic() - now, time.monotonic()
                report_every = max(REPORT_SECONDS, handled / REPORT_SHARE)
            if stop.is_set() or now >= deadline:
                break
            # With its own count of its best, which may not have gone out yet: offers are
            # spaced out, and the newest can be far better than the last offered.
            own = int(totals[2]) if totals[2] >= 0 else None
            if behind is not None and now - began > YIELD_AFTER * span and behind(own):
                break
            temperature = hot * (cold / hot) ** ((now - began) / span)
            seed = self.seed * 1_000_003 + call
            k.anneal(counters, best, temperature, batch, seed, hard_weight, mix, a.rules)
            call += 1
            self.moves += batch
            took = time.monotonic() - now
            batch = max(100, min(1_000_000, int(batch * CALL_SECONDS / max(took, 1e-4))))

    def _roster(self, state: Array, skill: Array, duty: Array) -> list[Assignment]:
        assert self._arrays is not None
        h = self._arrays.horizon
        names = self._arrays.skill_names
        return [
            Assignment(
                analyst_id=h.analysts[n].id,
                date=h.days[d],
                shift_type_id=h.shifts[int(state[n, d])].id,
                skill=None if skill[n, d] < 0 else names[int(skill[n, d])],
                is_screener=bool(duty[n, d]),
            )
            for n in range(state.shape[0])
            for d in range(state.shape[1])
            if state[n, d] >= 0
        ]
