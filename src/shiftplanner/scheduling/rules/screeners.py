"""Screener duty: never more than the allowed days in a row."""

from __future__ import annotations

from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder, RuleRef
from shiftplanner.scheduling.problem import AnalystSpec
from shiftplanner.scheduling.rules.contract import history_flags, max_consecutive
from shiftplanner.scheduling.text import counted


def consecutive_screener_days(b: ModelBuilder) -> None:
    h = b.horizon
    limit = h.problem.rules.max_consecutive_screener_days
    for a in b.screener:
        analyst = h.analysts[a]

        def ref(first: int, analyst: AnalystSpec = analyst) -> RuleRef:
            days = tuple(h.days[i] for i in range(max(first, 0), min(first + limit + 1, h.size)))
            return RuleRef(
                "max_consecutive_screener_days",
                f"{analyst.label} has screener duty more than {counted(limit, 'day')} in a row",
                analyst.id,
                dates=days,
            )

        before = history_flags(b, a, lambda day: day.is_screener and day.shift_type_id is not None)

        def duty(i: int, a: int = a) -> LinearExpr:
            return b.screener_day(a, i)

        max_consecutive(b, limit, duty, before, ref)
