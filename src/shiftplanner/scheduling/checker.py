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
    the length is from the bound.
  - `max_weekends`: amount = worked weekends beyond the bound; dates = the worked days of
    those weekends that lie in the horizon.
  - `max_shifts_per_type` and `max_minutes` list the dates of the counted assignments;
    `min_minutes` lists no dates.
  - `locked`: matched literally against the roster as given (analyst, date, shift type,
    is_screener); a locked entry listed twice needs one roster entry.
  - Coverage entries and requests are taken literally, even dated outside the horizon
    (nothing is assigned there). Several coverage entries for one (day, shift type) are
    each judged on their own for under_cover, screener_short and hard_min; over_cover
    uses the last of them for the pair's `required` and `over_weight`.
  - An own weight of 0 (`under_weight`, `over_weight`, a request's `weight`) is a weight,
    not "missing": only None falls back to the default.
  - `changes`: a day's state is the set of shift types worked (empty: off); `is_screener`
    does not count. Hint entries outside the horizon are ignored.
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


def _spread(values: list[int]) -> int:
    if len(values) < 2:
        return 0
    return max(values) - min(values)


class _Checker:
    def __init__(self, problem: Problem, assignments: Sequence[Assignment]) -> None:
        self.p = problem
        self.roster = list(assignments)
        self.shifts: dict[int, ShiftTypeSpec] = {s.id: s for s in problem.shift_types}
        self.analysts: dict[int, AnalystSpec] = {a.id: a for a in problem.analysts}
        self.horizon: list[date] = list(problem.days())
        self.violations: list[Violation] = []

        # The valid assignments, and the same indexed by analyst and day.
        self.valid: list[Assignment] = []
        self.by_day: dict[tuple[int, date], list[Assignment]] = defaultdict(list)
        self.by_shift: dict[tuple[date, int], list[Assignment]] = defaultdict(list)
        # Known history days: analyst → date → (worked shift type ids, screener?).
        self.known: dict[int, dict[date, tuple[list[int], bool]]] = {}

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
        self.check_max_weekends()
        self.check_screener_skill()
        self.check_locked()
        self.check_hard_min()
        breakdown = {
            Term.UNDER_COVER: self.under_cover(),
            Term.OVER_COVER: self.over_cover(),
            Term.SCREENER_SHORT: self.screener_short(),
            Term.UNMET_ON_REQUESTS: self.requests(RequestKind.ON),
            Term.UNGRANTED_OFF_REQUESTS: self.requests(RequestKind.OFF),
            Term.FAIRNESS_WEEKENDS: self.fairness_weekends(),
            Term.FAIRNESS_NIGHTS: self.fairness_nights(),
            Term.FAIRNESS_SCREENER: self.fairness_screener(),
            Term.CHANGES: self.changes(),
        }
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

    def weekends(self, analyst_id: int) -> list[list[date]]:
        """The worked weekends touching the horizon: for each, its worked horizon days."""
        saturdays = sorted(
            {d - timedelta(days=(d.weekday() - 5) % 7) for d in self.horizon if d.weekday() >= 5}
        )
        worked = []
        for saturday in saturdays:
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

    def check_runs(self, analyst: AnalystSpec) -> None:
        contract, aid = analyst.contract, analyst.id
        judged = [
            ("max_consecutive_days", self.works, contract.max_consecutive_days, None, "works"),
            ("min_consecutive_days", self.works, None, contract.min_consecutive_days, "works"),
            (
                "min_consecutive_days_off",
                self.is_off,
                None,
                contract.min_consecutive_days_off,
                "is off",
            ),
            (
                "max_consecutive_screener_days",
                self.screens,
                self.p.rules.max_consecutive_screener_days,
                None,
                "has screener duty",
            ),
        ]
        for rule, member, most, least, doing in judged:
            if most is None and least is None:
                continue
            for run in self.runs(aid, member):
                if run[-1] < self.p.start:
                    continue  # entirely in history: not judged
                n = len(run)
                if most is not None and n > most:
                    self.violation(
                        rule,
                        f"Analyst {aid} {doing} {counted(n, 'day')} in a row ({_iso(run)}); at most {most} allowed.",
                        analyst_id=aid,
                        dates=run,
                        amount=n - most,
                    )
                if (
                    least is not None
                    and n < least
                    and not self.reaches_unknown(aid, run)
                    and run[-1] != self.p.end
                ):
                    self.violation(
                        rule,
                        f"Analyst {aid} {doing} only {counted(n, 'day')} in a row ({_iso(run)}); at least {least} required.",
                        analyst_id=aid,
                        dates=run,
                        amount=least - n,
                    )

    def check_max_weekends(self) -> None:
        for analyst in self.p.analysts:
            most = analyst.contract.max_weekends
            worked = self.weekends(analyst.id)
            if most is not None and len(worked) > most:
                days = [d for weekend in worked for d in weekend]
                self.violation(
                    "max_weekends",
                    f"Analyst {analyst.id} works {counted(len(worked), 'weekend')} ({_iso(days)}); at most {most} allowed.",
                    analyst_id=analyst.id,
                    dates=days,
                    amount=len(worked) - most,
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
