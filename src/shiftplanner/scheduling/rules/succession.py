"""Shift types that may not follow each other on consecutive days, by rule or for rest."""

from __future__ import annotations

from datetime import timedelta

from shiftplanner.scheduling.builder import ModelBuilder, RuleRef


def succession(b: ModelBuilder) -> None:
    """Aggregated per (day, first shift): working the first and any banned successor
    together is at most one, a stronger cut than one constraint per pair."""
    h = b.horizon
    for a, analyst in enumerate(h.analysts):
        before = h.history_shifts(analyst, -1)
        for s1, banned in h.banned_next.items():
            if not banned:
                continue
            first = h.shifts[s1]
            if first.id in before:
                for s2 in banned:
                    ref = RuleRef(
                        "succession",
                        f"{analyst.label} may not work {h.shifts[s2].label} on "
                        f"{h.days[0]} after {first.label} the day before",
                        analyst.id,
                        h.shifts[s2].id,
                        (h.days[0] - timedelta(days=1), h.days[0]),
                    )
                    b.at_most(b.x[a][0][s2], 0, ref)
            for d in range(h.size - 1):
                ref = RuleRef(
                    "succession",
                    f"{analyst.label} works {first.label} on {h.days[d]} and a shift "
                    "that may not follow it the next day",
                    analyst.id,
                    first.id,
                    (h.days[d], h.days[d + 1]),
                )
                if b.plain:
                    for s2 in banned:
                        b.at_most(b.x[a][d][s1] + b.x[a][d + 1][s2], 1, ref)
                else:
                    b.at_most(b.x[a][d][s1] + sum(b.x[a][d + 1][s2] for s2 in banned), 1, ref)
