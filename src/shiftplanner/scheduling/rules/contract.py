"""Each analyst's contract: shifts per type, minutes, shifts in all, weekends (runs of
days are in `runs`)."""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder, RuleRef
from shiftplanner.scheduling.problem import ContractCounts, HistoryDay
from shiftplanner.scheduling.solution import Term
from shiftplanner.scheduling.text import counted

SUNDAY = 6


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
    """Weekends worked, with those the contract's period counted before, at most the most."""
    h = b.horizon
    weight = h.problem.weights.weekends
    soft = None if weight is None else (Term.WEEKENDS, weight)
    for a, analyst in enumerate(h.analysts):
        most = analyst.contract.max_weekends
        if most is None or weight == 0:
            continue
        before = h.problem.contract_history.get(analyst.id, ContractCounts()).weekends
        ref = RuleRef(
            "max_weekends",
            f"{analyst.label} works more than {counted(most, 'weekend')}",
            analyst.id,
        )
        b.most(sum(weekend_vars(b, a)) + before, most, ref, soft, len(h.weekends) + before)


def assignments(b: ModelBuilder) -> None:
    """Shifts in the horizon, with those the contract's period counted before, within the
    contract's least and most."""
    h = b.horizon
    weight = h.problem.weights.assignments
    soft = None if weight is None else (Term.ASSIGNMENTS, weight)
    for a, analyst in enumerate(h.analysts):
        least, most = analyst.contract.min_assignments, analyst.contract.max_assignments
        if weight == 0:
            continue
        before = h.problem.contract_history.get(analyst.id, ContractCounts()).assignments
        total = sum(b.work[a]) + before
        if most is not None:
            ref = RuleRef(
                "max_assignments",
                f"{analyst.label} works more than {counted(most, 'shift')}",
                analyst.id,
            )
            b.most(total, most, ref, soft, h.size + before)
        if least is not None:
            ref = RuleRef(
                "min_assignments",
                f"{analyst.label} works fewer than {counted(least, 'shift')}",
                analyst.id,
            )
            b.least(total, least, ref, soft)


def complete_weekends(b: ModelBuilder) -> None:
    """Both days of a weekend worked or neither, for contracts that ask it: every weekend
    touching the horizon whose two days are known (one may be the last history day)."""
    h = b.horizon
    weight = h.problem.weights.complete_weekends
    for a, analyst in enumerate(h.analysts):
        if not analyst.contract.complete_weekends or weight == 0:
            continue
        last_history = history_flags(b, a, _worked)(-1)
        for days in h.weekends:
            first = h.days[days[0]]
            one: LinearExpr = b.work[a][days[0]]
            other: LinearExpr
            if len(days) == 2:
                other = b.work[a][days[1]]
            elif first.weekday() == SUNDAY and days[0] == 0 and last_history is not None:
                other = int(last_history)  # Saturday was the day before
            else:
                continue  # the weekend's other day is after the horizon, or unknown
            dates = tuple(h.days[d] for d in days)
            if weight is None:
                ref = RuleRef(
                    "complete_weekends",
                    f"{analyst.label} works one day of the weekend of {dates[0]}",
                    analyst.id,
                    dates=dates,
                )
                b.at_most(one - other, 0, ref)
                b.at_most(other - one, 0, ref)
                continue
            split = b.model.new_bool_var(f"split_weekend_{a}_{days[0]}")
            b.model.add(split >= one - other)
            b.model.add(split >= other - one)
            b.cost(Term.COMPLETE_WEEKENDS, split, weight)
