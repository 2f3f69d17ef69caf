"""The roster rules, one module each; `RULES` is the order the model is built in."""

from __future__ import annotations

from collections.abc import Callable

from shiftplanner.scheduling.builder import ModelBuilder
from shiftplanner.scheduling.rules.changes import changes
from shiftplanner.scheduling.rules.contract import (
    assignments,
    complete_weekends,
    minutes,
    shift_counts,
    weekends,
)
from shiftplanner.scheduling.rules.coverage import coverage
from shiftplanner.scheduling.rules.days import days_off, locked, one_shift_per_day
from shiftplanner.scheduling.rules.fairness import fairness
from shiftplanner.scheduling.rules.requests import requests
from shiftplanner.scheduling.rules.runs import consecutive_days, consecutive_shift_types
from shiftplanner.scheduling.rules.screeners import consecutive_screener_days
from shiftplanner.scheduling.rules.succession import succession

Rule = Callable[[ModelBuilder], None]

HARD_RULES: tuple[Rule, ...] = (
    one_shift_per_day,
    days_off,
    locked,
    succession,
    shift_counts,
    minutes,
    assignments,
    consecutive_days,
    consecutive_shift_types,
    weekends,
    complete_weekends,
    consecutive_screener_days,
)
# Per-analyst rules: hard, or soft where `Weights` weighs them (the column bound prices
# them per analyst, bound.py). Coverage states its hard minimums too; the relaxed model
# keeps only those.
SOFT_RULES: tuple[Rule, ...] = (coverage, requests, fairness, changes)
RULES: tuple[Rule, ...] = HARD_RULES + SOFT_RULES
