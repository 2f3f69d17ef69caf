"""Minimal change: each (analyst, day) that differs from the current roster costs."""

from __future__ import annotations

from collections import defaultdict

from shiftplanner.scheduling.builder import LinearExpr, ModelBuilder
from shiftplanner.scheduling.solution import Term


def changes(b: ModelBuilder) -> None:
    h = b.horizon
    if h.problem.hint is None or not h.problem.weights.change:
        return
    current: dict[tuple[int, int], set[int]] = defaultdict(set)
    for assignment in h.problem.hint:
        d = h.index.get(assignment.date)
        if d is not None:
            current[(h.analyst_index[assignment.analyst_id], d)].add(
                h.shift_index[assignment.shift_type_id]
            )
    differs: list[LinearExpr] = []
    for a in range(len(h.analysts)):
        for d in range(h.size):
            shifts = current.get((a, d), set())
            if not shifts:
                differs.append(b.work[a][d])
            elif len(shifts) == 1:
                differs.append(1 - b.x[a][d][next(iter(shifts))])
            else:
                # A roster works one shift a day: a day hinted with two changes whatever it does.
                differs.append(1)
    b.cost(Term.CHANGES, sum(differs), h.problem.weights.change)
