"""Requests: on-requests the roster does not meet, off-requests it does not grant."""

from __future__ import annotations

from ortools.sat.python import cp_model

from shiftplanner.scheduling.builder import ModelBuilder
from shiftplanner.scheduling.problem import RequestKind
from shiftplanner.scheduling.solution import Term


def requests(b: ModelBuilder) -> None:
    h = b.horizon
    weights = h.problem.weights
    for request in h.problem.requests:
        d = h.index.get(request.date)
        if d is None:
            continue
        a = h.analyst_index[request.analyst_id]
        worked: cp_model.IntVar = (
            b.work[a][d]
            if request.shift_type_id is None
            else b.x[a][d][h.shift_index[request.shift_type_id]]
        )
        if request.kind is RequestKind.ON:
            weight = weights.on_request if request.weight is None else request.weight
            b.cost(Term.UNMET_ON_REQUESTS, 1 - worked, weight)
        else:
            weight = weights.off_request if request.weight is None else request.weight
            b.cost(Term.UNGRANTED_OFF_REQUESTS, worked, weight)
