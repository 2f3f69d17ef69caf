"""The independent referee of a roster: every hard-rule break and every objective term.

Written from docs/scheduling-rules.md alone, plainly, so it can be audited line by line
against that text. It shares nothing with the solver but the data model.

Decisions where the specification leaves room (the solver should match them):
  - An assignment breaking `unknown_reference` (outside the horizon, unknown analyst or
    shift type) is reported and then ignored by every other rule and term.
  - Every other assignment counts everywhere, even one that breaks another rule (a
    second shift on a day, a shift on a fixed day off): it is worked, it covers, it
    adds minutes. A day with any assignment is a working day.
  - `one_shift_per_day`: one break per analyst and day; amount = assignments beyond one.
  - `succession`: one break per pair of shifts (A on d, B on d+1); shift_type_id is B.
    The amount is the minutes of rest missing (rounded up) when the rest is too short,
    otherwise 1 (only `forbidden_next` broken). Only the day just before `start` is
    looked at in history, and only when it is known; a history day whose shift type is
    unknown to the problem is a working day but is not judged for succession.
  - A history day is a screener day when it was worked (`shift_type_id` not null) with
    `is_screener`. History days on or after `start` are ignored. When a history date is
    listed twice, it is a working day if any entry worked.
  - Run breaks list every day of the run (history days included); the amount is how far
    the length is from the bound. A shift type's run breaks name the shift type.
  - A day with several assignments is on each of their shift types (for the runs of
    shift types), as a history date listed twice is.
  - Weighted, a least is also judged on a run ending the day before `start`, but like
    every other run not when it reaches the unknown (its length is not known).
  - `max_weekends`: amount = W beyond the bound (`contract_history.weekends` included);
    dates = the worked days of the horizon's worked weekends. History alone over the
    bound is a break too (the specification's W).
  - `complete_weekends`: one break per weekend worked on one day only, amount 1, dates =
    its two days (a history Saturday included); weighted, each such weekend is one unit.
  - `min_assignments`/`max_assignments`: the assignments in the horizon are counted one
    by one (two on a day count twice), plus `contract_history.assignments`.
  - `max_shifts_per_type`, `max_minutes` and `max_assignments` list the dates of the
    counted assignments; `min_minutes` and `min_assignments` list no dates.
  - A weighted limit reports its units as the count even when its weight is 0.
  - `skill`: one break per assignment. Such an assignment still covers its skill for
    `skill_min` and `skill_short` (as above: a broken assignment counts everywhere).
  - `locked`: matched literally against the roster as given (analyst, date, shift type,
    is_screener; not `skill`, which the specification does not ask to keep); a locked
    entry listed twice needs one roster entry.
  - Coverage entries and requests are taken literally, even dated outside the horizon
    (nothing is assigned there). Several coverage entries for one (day, shift type) are
    each judged on their own for under_cover, screener_short and hard_min; over_cover
    uses the last of them for the pair's `required` and `over_weight`.
  - An own weight of 0 (`under_weight`, `over_weight`, a request's `weight`) is a weight,
    not "missing": only None falls back to the default.
  - `changes`: a day's state is the set of shift types worked (empty: off); neither
    `is_screener` nor `skill` counts. Hint entries outside the horizon are ignored.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Assignment,
    ContractCounts,
    Coverage,
    FairnessCounts,
    Problem,
    RequestKind,
    ShiftTypeSpec,
)
from shiftplanner.scheduling.solution import Term, TermCost, Violation
from shiftplanner.scheduling.text import counted

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Report:
    violations: list[Violation]
    breakdown: dict[Term, TermCost]

    @property
    def objective(self) -> int:
        return sum(cost.penalty for cost in self.breakdown.values())

    @property
    def feasible(self) -> bool:
        return not self.violations


def check(problem: Problem, assignments: Sequence[Assignment]) -> Report:
    return _Checker(problem, assignments).report()


def _iso(days: Sequence[date]) -> str:
    if len(days) == 1:
        return days[0].isoformat()
    if len(days) > 2 and all(b - a == ONE_DAY for a, b in pairwise(days)):
        return f"{days[0].isoformat()} to {days[-1].isoformat()}"
    return ", ".join(d.isoformat() for d in days)


def _listing(days: Sequence[date]) -> str:
    return f" ({_iso(days)})" if days else ""


def _spread(values: list[int]) -> int:
    if len(values) < 2:
        return 0
    return max(values) - min(values)


@dataclass(frozen=True)
class _RunLimit:
    """The most and least days in a row in one state; weighted under `term` when its
    weight is given (a `term` of None: always hard)."""

    member: Callable[[int, date], bool]
    doing: str
    most: int | None
    least: int | None
    rules: tuple[str, str]  # the most's rule id, the least's
    term: Term | None
    shift_type_id: int | None = None


class _Checker:
    def __init__(self, problem: Problem, assignments: Sequence[Assignment]) -> None:
        self.p = problem
        self.roster = list(assignments)
        self.shifts: dict[int, ShiftTypeSpec] = {s.id: s for s in problem.shift_types}
        self.analysts: dict[int, AnalystSpec] = {a.id: a for a in problem.analysts}
        self.horizon: list[date] = list(problem.days())
        # The Saturdays of the weekends touching the horizon.
        self.saturdays = sorted(
            {d - timedelta(days=(d.weekday() - 5) % 7) for d in self.horizon if d.weekday() >= 5}
        )
        self.violations: list[Violation] = []

        # The valid assignments, and the same indexed by analyst and day.
        self.valid: list[Assignment] = []
        self.by_day: dict[tuple[int, date], list[Assignment]] = defaultdict(list)
        self.by_shift: dict[tuple[date, int], list[Assignment]] = defaultdict(list)
        # Known history days: analyst → date → (worked shift type ids, screener?).
        self.known: dict[int, dict[date, tuple[list[int], bool]]] = {}
        # The limits that are hard unless weighted: their weight (None: hard) and the
        # units by which the roster misses the weighted ones.
        w = problem.weights
        self.limit_weights: dict[Term, int | None] = {
            Term.CONSECUTIVE_DAYS: w.consecutive_days,
            Term.CONSECUTIVE_DAYS_OFF: w.consecutive_days_off,
            Term.CONSECUTIVE_SHIFT_TYPE: w.consecutive_shift_type,
            Term.ASSIGNMENTS: w.assignments,
            Term.WEEKENDS: w.weekends,
            Term.COMPLETE_WEEKENDS: w.complete_weekends,
        }
        self.units: dict[Term, int] = dict.fromkeys(self.limit_weights, 0)

    def violation(
        self,
        rule: str,
        message: str,
        *,
        analyst_id: int | None = None,
        shift_type_id: int | None = None,
        dates: Sequence[date] = (),
        amount: int = 1,
    ) -> None:
        self.violations.append(
            Violation(
                rule=rule,
                message=message,
                analyst_id=analyst_id,
                shift_type_id=shift_type_id,
                dates=list(dates),
                amount=amount,
            )
        )

    def report(self) -> Report:
        self.read_roster()
        self.read_history()
        self.check_one_shift_per_day()
        self.check_day_off()
        self.check_succession()
        self.check_max_shifts_per_type()
        self.check_minutes()
        for analyst in self.p.analysts:
            self.check_runs(analyst)
            self.check_assignments(analyst)
            self.check_max_weekends(analyst)
            self.check_complete_weekends(analyst)
        self.check_screener_skill()
        self.check_skill()
        self.check_locked()
        self.check_hard_min()
        self.check_skill_min()
        breakdown = {
            Term.UNDER_COVER: self.under_cover(),
            Term.OVER_COVER: self.over_cover(),
            Term.SCREENER_SHORT: self.screener_short(),
            Term.SKILL_SHORT: self.skill_short(),
            Term.UNMET_ON_REQUESTS: self.requests(RequestKind.ON),
            Term.UNGRANTED_OFF_REQUESTS: self.requests(RequestKind.OFF),
            Term.FAIRNESS_WEEKENDS: self.fairness_weekends(),
            Term.FAIRNESS_NIGHTS: self.fairness_nights(),
            Term.FAIRNESS_SCREENER: self.fairness_screener(),
            Term.CHANGES: self.changes(),
        }
        for term, weight in self.limit_weights.items():
            units = self.units[term]  # none while the limit is hard
            breakdown[term] = TermCost(count=units, penalty=units * (weight or 0))
        return Report(violations=self.violations, breakdown=breakdown)

    # --- reading the input ---------------------------------------------------------

    def read_roster(self) -> None:
        for a in self.roster:
            problems = []
            if a.analyst_id not in self.analysts:
                problems.append(f"analyst {a.analyst_id} is not in the problem")
            if a.shift_type_id not in self.shifts:
                problems.append(f"shift type {a.shift_type_id} is not in the problem")
            if not self.p.start <= a.date <= self.p.end:
                problems.append(
                    f"{a.date.isoformat()} is outside the horizon "
                    f"{self.p.start.isoformat()} to {self.p.end.isoformat()}"
                )
            if problems:
                self.violation(
                    "unknown_reference",
                    f"Assignment of analyst {a.analyst_id} to shift type {a.shift_type_id} "
                    f"on {a.date.isoformat()}: " + "; ".join(problems) + ".",
                    analyst_id=a.analyst_id,
                    shift_type_id=a.shift_type_id,
                    dates=[a.date],
                )
            else:
                self.valid.append(a)
                self.by_day[(a.analyst_id, a.date)].append(a)
                self.by_shift[(a.date, a.shift_type_id)].append(a)

    def read_history(self) -> None:
        for analyst in self.p.analysts:
            days: dict[date, tuple[list[int], bool]] = {}
            for h in self.p.history.get(analyst.id, []):
                if h.date >= self.p.start:
                    continue
                worked, screener = days.get(h.date, ([], False))
                if h.shift_type_id is not None:
                    worked = [*worked, h.shift_type_id]
                    screener = screener or h.is_screener
                days[h.date] = (worked, screener)
            self.known[analyst.id] = days

    # --- the state of a day ----------------------------------------------------------

    def is_known(self, analyst_id: int, d: date) -> bool:
        return self.p.start <= d <= self.p.end or d in self.known[analyst_id]

    def works(self, analyst_id: int, d: date) -> bool:
        if d >= self.p.start:
            return bool(self.by_day.get((analyst_id, d)))
        return bool(self.known[analyst_id].get(d, ([], False))[0])

    def is_off(self, analyst_id: int, d: date) -> bool:
        return self.is_known(analyst_id, d) and not self.works(analyst_id, d)

    def screens(self, analyst_id: int, d: date) -> bool:
        if d >= self.p.start:
            return any(a.is_screener for a in self.by_day.get((analyst_id, d), []))
        return self.known[analyst_id].get(d, ([], False))[1]

    def on_shift(self, shift_id: int) -> Callable[[int, date], bool]:
        """Whether an analyst works that shift type on a day (among others, maybe)."""

        def member(analyst_id: int, d: date) -> bool:
            if d >= self.p.start:
                day = self.by_day.get((analyst_id, d), [])
                return any(a.shift_type_id == shift_id for a in day)
            return shift_id in self.known[analyst_id].get(d, ([], False))[0]

        return member

    def weekends(self, analyst_id: int) -> list[list[date]]:
        """The worked weekends touching the horizon: for each, its worked horizon days."""
        worked = []
        for saturday in self.saturdays:
            days = [
                d
                for d in (saturday, saturday + ONE_DAY)
                if self.p.start <= d <= self.p.end and self.works(analyst_id, d)
            ]
            if days:
                worked.append(days)
        return worked

    # --- hard rules ------------------------------------------------------------------

    def check_one_shift_per_day(self) -> None:
        for analyst_id, d in sorted(self.by_day):
            day = self.by_day[(analyst_id, d)]
            if len(day) > 1:
                types = ", ".join(str(a.shift_type_id) for a in day)
                self.violation(
                    "one_shift_per_day",
                    f"Analyst {analyst_id} has {len(day)} shifts on {d.isoformat()} (shift types {types}); at most one is allowed.",
                    analyst_id=analyst_id,
                    dates=[d],
                    amount=len(day) - 1,
                )

    def check_day_off(self) -> None:
        unavailable = {
            (analyst.id, u.date, u.shift_type_id)
            for analyst in self.p.analysts
            for u in analyst.unavailable
        }
        for a in self.valid:
            analyst = self.analysts[a.analyst_id]
            if (a.analyst_id, a.date, a.shift_type_id) in unavailable:
                self.violation(
                    "day_off",
                    f"Analyst {a.analyst_id} may not work shift type {a.shift_type_id} on {a.date.isoformat()}.",
                    analyst_id=a.analyst_id,
                    shift_type_id=a.shift_type_id,
                    dates=[a.date],
                )
            if a.date in analyst.days_off:
                self.violation(
                    "day_off",
                    f"Analyst {a.analyst_id} is assigned shift type {a.shift_type_id} on {a.date.isoformat()}, a fixed day off.",
                    analyst_id=a.analyst_id,
                    shift_type_id=a.shift_type_id,
                    dates=[a.date],
                )

    def check_succession(self) -> None:
        min_rest = self.p.rules.min_rest_hours * 60
        for analyst in self.p.analysts:
            for d in self.horizon:
                before = d - ONE_DAY
                if before < self.p.start:
                    firsts = self.known[analyst.id].get(before, ([], False))[0]
                else:
                    firsts = [a.shift_type_id for a in self.by_day.get((analyst.id, before), [])]
                seconds = [a.shift_type_id for a in self.by_day.get((analyst.id, d), [])]
                for first_id in firsts:
                    first = self.shifts.get(first_id)
                    if first is None:
                        continue  # a history shift type the problem no longer knows
                    for second_id in seconds:
                        second = self.shifts[second_id]
                        start_b = second.start.hour * 60 + second.start.minute
                        rest = 1440 + start_b - first.end_minute()
                        forbidden = second_id in first.forbidden_next
                        if not forbidden and rest >= min_rest:
                            continue
                        reasons = []
                        if forbidden:
                            reasons.append(
                                f"shift type {second_id} may not follow shift type {first_id}"
                            )
                        if rest < min_rest:
                            reasons.append(
                                f"only {rest} minutes of rest between them, at least {min_rest:g} needed"
                            )
                        self.violation(
                            "succession",
                            f"Analyst {analyst.id} works shift type {first_id} on {before.isoformat()} "
                            f"and shift type {second_id} on {d.isoformat()}: "
                            + " and ".join(reasons)
                            + ".",
                            analyst_id=analyst.id,
                            shift_type_id=second_id,
                            dates=[before, d],
                            amount=math.ceil(min_rest - rest) if rest < min_rest else 1,
                        )

    def check_max_shifts_per_type(self) -> None:
        for analyst in self.p.analysts:
            for shift_id, most in analyst.contract.max_shifts_per_type.items():
                days = sorted(
                    a.date
                    for a in self.valid
                    if a.analyst_id == analyst.id and a.shift_type_id == shift_id
                )
                if len(days) > most:
                    self.violation(
                        "max_shifts_per_type",
                        f"Analyst {analyst.id} has {counted(len(days), 'shift')} of type {shift_id} ({_iso(days)}); at most {most} allowed.",
                        analyst_id=analyst.id,
                        shift_type_id=shift_id,
                        dates=days,
                        amount=len(days) - most,
                    )

    def check_minutes(self) -> None:
        for analyst in self.p.analysts:
            mine = [a for a in self.valid if a.analyst_id == analyst.id]
            total = sum(self.shifts[a.shift_type_id].minutes for a in mine)
            least, most = analyst.contract.min_minutes, analyst.contract.max_minutes
            if least is not None and total < least:
                self.violation(
                    "min_minutes",
                    f"Analyst {analyst.id} works {total} minutes from {self.p.start.isoformat()} to {self.p.end.isoformat()}; at least {least} required.",
                    analyst_id=analyst.id,
                    amount=least - total,
                )
            if most is not None and total > most:
                days = sorted(a.date for a in mine)
                self.violation(
                    "max_minutes",
                    f"Analyst {analyst.id} works {total} minutes ({_iso(days)}); at most {most} allowed.",
                    analyst_id=analyst.id,
                    dates=days,
                    amount=total - most,
                )

    def runs(self, analyst_id: int, member: Callable[[int, date], bool]) -> list[list[date]]:
        """Maximal runs of consecutive days (known history and horizon) in a state."""
        first = min([self.p.start, *self.known[analyst_id]])
        runs: list[list[date]] = []
        current: list[date] = []
        d = first
        while d <= self.p.end:
            if member(analyst_id, d):
                current.append(d)
            elif current:
                runs.append(current)
                current = []
            d += ONE_DAY
        if current:
            runs.append(current)
        return runs

    def reaches_unknown(self, analyst_id: int, run: list[date]) -> bool:
        before = run[0] - ONE_DAY
        return before < self.p.start and before not in self.known[analyst_id]

    def least_judged(self, analyst_id: int, run: list[date], *, weighted: bool) -> bool:
        """Whether a run is held to a least: it has a day in the horizon (weighted, or
        ends the day before it: the first day broke it), and both its ends are known."""
        last_judged = self.p.start - ONE_DAY if weighted else self.p.start
        return (
            run[-1] >= last_judged
            and not self.reaches_unknown(analyst_id, run)
            and run[-1] != self.p.end
        )

    def check_runs(self, analyst: AnalystSpec) -> None:
        contract = analyst.contract
        limits = [
            _RunLimit(
                self.works,
                "works",
                contract.max_consecutive_days,
                contract.min_consecutive_days,
                ("max_consecutive_days", "min_consecutive_days"),
                Term.CONSECUTIVE_DAYS,
            ),
            _RunLimit(
                self.is_off,
                "is off",
                contract.max_consecutive_days_off,
                contract.min_consecutive_days_off,
                ("max_consecutive_days_off", "min_consecutive_days_off"),
                Term.CONSECUTIVE_DAYS_OFF,
            ),
            *(
                _RunLimit(
                    self.on_shift(shift.id),
                    f"is on shift type {shift.id} for",
                    shift.max_consecutive,
                    shift.min_consecutive,
                    ("max_consecutive_shift_type", "min_consecutive_shift_type"),
                    Term.CONSECUTIVE_SHIFT_TYPE,
                    shift.id,
                )
                for shift in self.p.shift_types
            ),
            _RunLimit(
                self.screens,
                "has screener duty",
                self.p.rules.max_consecutive_screener_days,
                None,
                ("max_consecutive_screener_days", ""),
                None,
            ),
        ]
        for limit in limits:
            if limit.most is None and limit.least is None:
                continue
            runs = self.runs(analyst.id, limit.member)
            if limit.term is not None and self.limit_weights[limit.term] is not None:
                self.units[limit.term] += sum(
                    self.weighted_run_units(analyst.id, run, limit) for run in runs
                )
            else:
                self.judge_runs(analyst.id, runs, limit)

    def weighted_run_units(self, analyst_id: int, run: list[date], limit: _RunLimit) -> int:
        """The units a run is off its limit, by the competition's border rules."""
        length = len(run)
        units = 0
        if limit.most is not None and run[-1] >= self.p.start:
            before = len([d for d in run if d < self.p.start])
            # Days already beyond the most in history were charged before the horizon.
            units += max(0, length - limit.most) - max(0, before - limit.most)
        if (
            limit.least is not None
            and length < limit.least
            and self.least_judged(analyst_id, run, weighted=True)
        ):
            units += limit.least - length
        return units

    def judge_runs(self, aid: int, runs: list[list[date]], limit: _RunLimit) -> None:
        most_rule, least_rule = limit.rules
        judged = [run for run in runs if run[-1] >= self.p.start]  # not entirely in history
        if limit.most is not None:
            for run in judged:
                if len(run) > limit.most:
                    self.violation(
                        most_rule,
                        f"Analyst {aid} {limit.doing} {counted(len(run), 'day')} in a row ({_iso(run)}); at most {limit.most} allowed.",
                        analyst_id=aid,
                        shift_type_id=limit.shift_type_id,
                        dates=run,
                        amount=len(run) - limit.most,
                    )
        if limit.least is not None:
            for run in judged:
                if len(run) < limit.least and self.least_judged(aid, run, weighted=False):
                    self.violation(
                        least_rule,
                        f"Analyst {aid} {limit.doing} only {counted(len(run), 'day')} in a row ({_iso(run)}); at least {limit.least} required.",
                        analyst_id=aid,
                        shift_type_id=limit.shift_type_id,
                        dates=run,
                        amount=limit.least - len(run),
                    )

    def limit_missed(
        self,
        term: Term,
        rule: str,
        message: str,
        *,
        analyst_id: int,
        amount: int,
        dates: Sequence[date] = (),
    ) -> None:
        """A limit missed by `amount` units: a break of `rule` while it is hard, those
        units of `term` once weighted."""
        if self.limit_weights[term] is None:
            self.violation(rule, message, analyst_id=analyst_id, dates=dates, amount=amount)
        else:
            self.units[term] += amount

    def contract_counts(self, analyst_id: int) -> ContractCounts:
        return self.p.contract_history.get(analyst_id, ContractCounts())

    def check_assignments(self, analyst: AnalystSpec) -> None:
        aid = analyst.id
        least, most = analyst.contract.min_assignments, analyst.contract.max_assignments
        days = sorted(a.date for a in self.valid if a.analyst_id == aid)
        before = self.contract_counts(aid).assignments
        total = len(days) + before
        has = f"Analyst {aid} has {counted(len(days), 'shift')} from {self.p.start.isoformat()} to {self.p.end.isoformat()}"
        if before:
            has += f" and {before} before"
        if least is not None and total < least:
            self.limit_missed(
                Term.ASSIGNMENTS,
                "min_assignments",
                f"{has}; at least {least} required.",
                analyst_id=aid,
                amount=least - total,
            )
        if most is not None and total > most:
            self.limit_missed(
                Term.ASSIGNMENTS,
                "max_assignments",
                f"{has}{_listing(days)}; at most {most} allowed.",
                analyst_id=aid,
                dates=days,
                amount=total - most,
            )

    def check_max_weekends(self, analyst: AnalystSpec) -> None:
        most = analyst.contract.max_weekends
        worked = self.weekends(analyst.id)
        before = self.contract_counts(analyst.id).weekends
        if most is None or len(worked) + before <= most:
            return
        days = [d for weekend in worked for d in weekend]
        earlier = f" and {before} before" if before else ""
        self.limit_missed(
            Term.WEEKENDS,
            "max_weekends",
            f"Analyst {analyst.id} works {counted(len(worked), 'weekend')}{_listing(days)}{earlier}; at most {most} allowed.",
            analyst_id=analyst.id,
            dates=days,
            amount=len(worked) + before - most,
        )

    def check_complete_weekends(self, analyst: AnalystSpec) -> None:
        if not analyst.contract.complete_weekends:
            return
        aid = analyst.id
        for saturday in self.saturdays:
            sunday = saturday + ONE_DAY
            if not (self.is_known(aid, saturday) and self.is_known(aid, sunday)):
                continue
            if self.works(aid, saturday) == self.works(aid, sunday):
                continue
            worked, idle = (saturday, sunday) if self.works(aid, saturday) else (sunday, saturday)
            self.limit_missed(
                Term.COMPLETE_WEEKENDS,
                "complete_weekends",
                f"Analyst {aid} works {worked.isoformat()} but not {idle.isoformat()}; a weekend is worked on both days or on neither.",
                analyst_id=aid,
                dates=[saturday, sunday],
                amount=1,
            )

    def check_screener_skill(self) -> None:
        skill = self.p.rules.screener_skill
        for a in self.valid:
            if a.is_screener and skill not in self.analysts[a.analyst_id].skills:
                self.violation(
                    "screener_skill",
                    f"Analyst {a.analyst_id} has screener duty on {a.date.isoformat()} without the skill {skill!r}.",
                    analyst_id=a.analyst_id,
                    shift_type_id=a.shift_type_id,
                    dates=[a.date],
                )

    def check_skill(self) -> None:
        for a in self.valid:
            if a.skill is not None and a.skill not in self.analysts[a.analyst_id].skills:
                self.violation(
                    "skill",
                    f"Analyst {a.analyst_id} covers the skill {a.skill!r} on shift type {a.shift_type_id} on {a.date.isoformat()} without having it.",
                    analyst_id=a.analyst_id,
                    shift_type_id=a.shift_type_id,
                    dates=[a.date],
                )

    def check_locked(self) -> None:
        roster = {(a.analyst_id, a.date, a.shift_type_id, a.is_screener) for a in self.roster}
        seen = set()
        for lock in self.p.locked:
            key = (lock.analyst_id, lock.date, lock.shift_type_id, lock.is_screener)
            if key in seen or key in roster:
                continue
            seen.add(key)
            duty = " with screener duty" if lock.is_screener else " without screener duty"
            self.violation(
                "locked",
                f"Locked assignment missing: analyst {lock.analyst_id} on shift type {lock.shift_type_id} on {lock.date.isoformat()}{duty}.",
                analyst_id=lock.analyst_id,
                shift_type_id=lock.shift_type_id,
                dates=[lock.date],
            )

    def assigned(self, d: date, shift_id: int) -> list[Assignment]:
        return self.by_shift.get((d, shift_id), [])

    def check_hard_min(self) -> None:
        for c in self.p.coverage:
            n = len(self.assigned(c.date, c.shift_type_id))
            if c.hard_min is not None and n < c.hard_min:
                self.violation(
                    "hard_min",
                    f"Shift type {c.shift_type_id} on {c.date.isoformat()} has {counted(n, 'analyst')}; at least {c.hard_min} required.",
                    shift_type_id=c.shift_type_id,
                    dates=[c.date],
                    amount=c.hard_min - n,
                )

    def covering(self, c: Coverage, skill: str) -> int:
        """How many of a coverage entry's assignments cover the skill."""
        return len([a for a in self.assigned(c.date, c.shift_type_id) if a.skill == skill])

    def check_skill_min(self) -> None:
        for c in self.p.coverage:
            for need in c.skills:
                n = self.covering(c, need.skill)
                if n < need.minimum:
                    self.violation(
                        "skill_min",
                        f"Shift type {c.shift_type_id} on {c.date.isoformat()} has {counted(n, 'analyst')} covering the skill {need.skill!r}; at least {need.minimum} required.",
                        shift_type_id=c.shift_type_id,
                        dates=[c.date],
                        amount=need.minimum - n,
                    )

    # --- objective terms -------------------------------------------------------------

    def under_cover(self) -> TermCost:
        count = penalty = 0
        for c in self.p.coverage:
            short = max(0, c.required - len(self.assigned(c.date, c.shift_type_id)))
            weight = self.p.weights.under_cover if c.under_weight is None else c.under_weight
            count += short
            penalty += short * weight
        return TermCost(count=count, penalty=penalty)

    def over_cover(self) -> TermCost:
        entries: dict[tuple[date, int], Coverage] = {}
        for c in self.p.coverage:
            entries[(c.date, c.shift_type_id)] = c  # the last entry for a pair wins
        count = penalty = 0
        for d in self.horizon:
            for shift_id in self.shifts:
                entry = entries.get((d, shift_id))
                required = 0 if entry is None else entry.required
                weight = self.p.weights.over_cover
                if entry is not None and entry.over_weight is not None:
                    weight = entry.over_weight
                over = max(0, len(self.assigned(d, shift_id)) - required)
                count += over
                penalty += over * weight
        return TermCost(count=count, penalty=penalty)

    def screener_short(self) -> TermCost:
        count = 0
        for c in self.p.coverage:
            screeners = [a for a in self.assigned(c.date, c.shift_type_id) if a.is_screener]
            count += max(0, c.screeners_required - len(screeners))
        return TermCost(count=count, penalty=count * self.p.weights.screener_short)

    def skill_short(self) -> TermCost:
        count = penalty = 0
        for c in self.p.coverage:
            for need in c.skills:
                short = max(0, need.optimal - self.covering(c, need.skill))
                weight = (
                    self.p.weights.skill_short if need.under_weight is None else need.under_weight
                )
                count += short
                penalty += short * weight
        return TermCost(count=count, penalty=penalty)

    def requests(self, kind: RequestKind) -> TermCost:
        default = (
            self.p.weights.on_request if kind is RequestKind.ON else self.p.weights.off_request
        )
        count = penalty = 0
        for r in self.p.requests:
            if r.kind is not kind:
                continue
            day = self.by_day.get((r.analyst_id, r.date), [])
            works = any(r.shift_type_id is None or a.shift_type_id == r.shift_type_id for a in day)
            missed = not works if kind is RequestKind.ON else works
            if missed:
                count += 1
                penalty += default if r.weight is None else r.weight
        return TermCost(count=count, penalty=penalty)

    def fairness(
        self, analyst_ids: list[int], value: Callable[[int, FairnessCounts], int], weight: int
    ) -> TermCost:
        values = [
            value(aid, self.p.fairness_history.get(aid, FairnessCounts())) for aid in analyst_ids
        ]
        spread = _spread(values)
        return TermCost(count=spread, penalty=spread * weight)

    def fairness_weekends(self) -> TermCost:
        return self.fairness(
            [a.id for a in self.p.analysts],
            lambda aid, past: past.weekends + len(self.weekends(aid)),
            self.p.weights.fairness_weekends,
        )

    def fairness_nights(self) -> TermCost:
        def nights(aid: int, past: FairnessCounts) -> int:
            mine = [
                a
                for a in self.valid
                if a.analyst_id == aid and self.shifts[a.shift_type_id].is_night
            ]
            return past.nights + len(mine)

        return self.fairness(
            [a.id for a in self.p.analysts], nights, self.p.weights.fairness_nights
        )

    def fairness_screener(self) -> TermCost:
        def screener_days(aid: int, past: FairnessCounts) -> int:
            return past.screener_days + len(
                [a for a in self.valid if a.analyst_id == aid and a.is_screener]
            )

        skilled = [a.id for a in self.p.analysts if self.p.rules.screener_skill in a.skills]
        return self.fairness(skilled, screener_days, self.p.weights.fairness_screener)

    def changes(self) -> TermCost:
        if self.p.hint is None:
            return TermCost(count=0, penalty=0)
        hinted: dict[tuple[int, date], set[int]] = defaultdict(set)
        for h in self.p.hint:
            hinted[(h.analyst_id, h.date)].add(h.shift_type_id)
        count = 0
        for analyst in self.p.analysts:
            for d in self.horizon:
                now = {a.shift_type_id for a in self.by_day.get((analyst.id, d), [])}
                if now != hinted.get((analyst.id, d), set()):
                    count += 1
        return TermCost(count=count, penalty=count * self.p.weights.change)
