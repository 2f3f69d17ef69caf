"""Minimal change: each (analyst, day) that differs from the current roster costs."""

from __future__ import annotations

from shiftplanner.scheduling.builder import ModelBuilder
from shiftplanner.scheduling.solution import Term


def changes(b: ModelBuilder) -> None:
    h = b.horizon
    if h.problem.hint is None or not h.problem.weights.change:
        return
    current: dict[tuple[int, int], int] = {}
    for assignment in h.problem.hint:
        d = h.index.get(assignment.date)
        if d is not None:
            current.setdefault(
                (h.analyst_index[assignment.analyst_id], d), h.shift_index[assignment.shift_type_id]
            )
    differs = []
    for a in range(len(h.analysts)):
        for d in range(h.size):
            s = current.get((a, d))
            differs.append(b.work[a][d] if s is None else 1 - b.x[a][d][s])
    b.cost(Term.CHANGES, sum(differs), h.problem.weights.change)
