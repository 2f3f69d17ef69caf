"""Each analyst's contract: shifts per type, minutes, consecutive days, blocks, weekends."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from ortools.sat.python import cp_model

from shiftplanner.scheduling.builder import LinearExpr, Literal, ModelBuilder, RuleRef
from shiftplanner.scheduling.problem import AnalystSpec, HistoryDay
from shiftplanner.scheduling.text import counted

# A day's state for one analyst: a literal in the horizon, a known constant in history,
# None where the history does not say.
State = cp_model.IntVar | bool | None


def _states(b: ModelBuilder, a: int, flag: Callable[[HistoryDay], bool]) -> Callable[[int], State]:
    history = b.horizon.history(b.horizon.analysts[a])

    def state(i: int) -> State:
        if i >= 0:
            return b.work[a][i]
        day = history.get(i)
        return None if day is None else flag(day)

    return state


def _worked(day: HistoryDay) -> bool:
    return day.shift_type_id is not None


def shift_counts(b: ModelBuilder) -> None:
    h = b.horizon
    for a, analyst in enumerate(h.analysts):
        for shift_id, most in analyst.contract.max_shifts_per_type.items():
            s = h.shift_index[shift_id]
            ref = RuleRef(
                "max_shifts_per_type",
                f"{analyst.label} works {h.shift_label(shift_id)} more than {counted(most, 'time')}",
                analyst.id,
                shift_id,
            )
            b.at_most(sum(b.x[a][d][s] for d in range(h.size)), most, ref)


def minutes(b: ModelBuilder) -> None:
    h = b.horizon
    for a, analyst in enumerate(h.analysts):
        contract = analyst.contract
        if contract.min_minutes is None and contract.max_minutes is None:
            continue
        total = sum(
            shift.minutes * b.x[a][d][s] for d in range(h.size) for s, shift in enumerate(h.shifts)
        )
        if contract.max_minutes is not None:
            ref = RuleRef(
                "max_minutes",
                f"{analyst.label} works more than {counted(contract.max_minutes, 'minute')}",
                analyst.id,
            )
            b.at_most(total, contract.max_minutes, ref, slack_bound=100_000)
        if contract.min_minutes is not None:
            ref = RuleRef(
                "min_minutes",
                f"{analyst.label} works less than {counted(contract.min_minutes, 'minute')}",
                analyst.id,
            )
            b.at_least(total, contract.min_minutes, ref, slack_bound=100_000)


def history_flags(
    b: ModelBuilder, a: int, flag: Callable[[HistoryDay], bool]
) -> Callable[[int], bool | None]:
    """For days before the horizon (offset < 0): the flag of a known day, or None."""
    history = b.horizon.history(b.horizon.analysts[a])

    def known(i: int) -> bool | None:
        day = history.get(i)
        return None if day is None else flag(day)

    return known


def max_consecutive(
    b: ModelBuilder,
    limit: int,
    inside: Callable[[int], LinearExpr],
    before: Callable[[int], bool | None],
    ref: Callable[[int], RuleRef],
) -> None:
    """No run longer than `limit`: every window of `limit + 1` days that reaches into
    the horizon and whose history days are known holds at most `limit` such days."""
    h = b.horizon
    for first in range(-limit, h.size - limit):
        history = [before(i) for i in range(first, 0)]
        if any(flag is None for flag in history):
            continue
        already = sum(1 for flag in history if flag)
        window = [inside(i) for i in range(max(first, 0), first + limit + 1)]
        b.at_most(sum(window), limit - already, ref(first))


def consecutive_days(b: ModelBuilder) -> None:
    h = b.horizon
    for a, analyst in enumerate(h.analysts):
        limit = analyst.contract.max_consecutive_days
        if limit is None:
            continue

        def ref(first: int, analyst: AnalystSpec = analyst, limit: int = limit) -> RuleRef:
            days = tuple(h.days[i] for i in range(max(first, 0), min(first + limit + 1, h.size)))
            return RuleRef(
                "max_consecutive_days",
                f"{analyst.label} works more than {counted(limit, 'day')} in a row",
                analyst.id,
                dates=days,
            )

        def worked(i: int, a: int = a) -> LinearExpr:
            return b.work[a][i]

        max_consecutive(b, limit, worked, history_flags(b, a, _worked), ref)


def _short_blocks(
    b: ModelBuilder, a: int, shortest: int, working: bool, rule: str, analyst: AnalystSpec
) -> None:
    """Forbid every run of `working` (or off) days shorter than `shortest` that has a day
    in the horizon, does not reach the end, and is preceded by a known day: the pattern
    other, L × this, other, for each L < shortest."""
    h = b.horizon
    state = _states(b, a, _worked)
    for length in range(1, shortest):
        for first in range(-(length - 1), h.size - length):
            before, after = state(first - 1), state(first + length)
            block = [state(i) for i in range(first, first + length)]
            if before is None or after is None or any(s is None for s in block):
                continue
            # The clause "not this pattern": before or after is `working`, or a block day is not.
            clause: list[Literal] = []
            satisfied = False
            pattern: list[tuple[cp_model.IntVar | bool, bool]] = [
                (before, working),
                (after, working),
                *((s, not working) for s in block if s is not None),
            ]
            for value, wanted in pattern:
                if isinstance(value, bool):
                    satisfied |= value == wanted
                else:
                    clause.append(value if wanted else cast(Literal, value.Not()))
            if satisfied:
                continue
            days = tuple(h.days[i] for i in range(max(first, 0), first + length))
            kind = "working" if working else "off"
            b.clause(
                clause,
                RuleRef(
                    rule,
                    f"{analyst.label} has a {kind} block of {counted(length, 'day')} (at least {shortest})",
                    analyst.id,
                    dates=days,
                ),
            )


def blocks(b: ModelBuilder) -> None:
    for a, analyst in enumerate(b.horizon.analysts):
        contract = analyst.contract
        if contract.min_consecutive_days and contract.min_consecutive_days > 1:
            _short_blocks(
                b, a, contract.min_consecutive_days, True, "min_consecutive_days", analyst
            )
        if contract.min_consecutive_days_off and contract.min_consecutive_days_off > 1:
            _short_blocks(
                b, a, contract.min_consecutive_days_off, False, "min_consecutive_days_off", analyst
            )


def weekend_vars(b: ModelBuilder, a: int) -> list[cp_model.IntVar]:
    """Whether each weekend touching the horizon is worked (made once per analyst)."""
    if a not in b.worked_weekends:
        worked = []
        for w, days in enumerate(b.horizon.weekends):
            var = b.model.new_bool_var(f"weekend_{a}_{w}")
            b.model.add_max_equality(var, [b.work[a][d] for d in days])
            if not b.plain:
                # Spelled out for the LP: a weekend counts only if one of its days is worked.
                b.model.add(var <= sum(b.work[a][d] for d in days))
            worked.append(var)
        b.worked_weekends[a] = worked
    return b.worked_weekends[a]


def weekends(b: ModelBuilder) -> None:
    for a, analyst in enumerate(b.horizon.analysts):
        most = analyst.contract.max_weekends
        if most is None:
            continue
        ref = RuleRef(
            "max_weekends",
            f"{analyst.label} works more than {counted(most, 'weekend')}",
            analyst.id,
        )
        b.at_most(sum(weekend_vars(b, a)), most, ref)
