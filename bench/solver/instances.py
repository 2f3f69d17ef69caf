"""Realistic roster problems of any size, from a fixed seed: a SOC team with morning,
evening and night shifts (and more shift types for larger ones), screener duty on
weekdays, full- and part-time contracts, vacations, requests and a week of history.
Demand is a share (`staffing`) of the shifts the team's contracts hold, net of its
vacations: 0.9 by default, where rosters get hard; above 1 the team is understaffed and
must work the overtime its contracts allow (one shift in the horizon)."""

from __future__ import annotations

import math
import random
from datetime import date, time, timedelta

from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Contract,
    Coverage,
    FairnessCounts,
    HistoryDay,
    Problem,
    RequestKind,
    ShiftRequest,
    ShiftTypeSpec,
)

START = date(2027, 1, 4)  # a Monday
# id, name, start, minutes, night; the first three are the classic SOC day.
SHIFT_CATALOGUE = [
    (1, "MORNING", time(7), 480, False),
    (2, "EVENING", time(15), 480, False),
    (3, "NIGHT", time(23), 480, True),
    (4, "DAY", time(9), 480, False),
    (5, "LATE", time(12), 540, False),
    (6, "EARLY", time(5), 480, False),
]
SHARES = {1: 0.30, 2: 0.27, 3: 0.2, 4: 0.1, 5: 0.08, 6: 0.05}


STAFFING = 0.9


def generate(
    analysts: int,
    days: int,
    shift_types: int = 3,
    seed: int = 0,
    start: date = START,
    staffing: float = STAFFING,
) -> Problem:
    rng = random.Random(seed)
    catalogue = SHIFT_CATALOGUE[:shift_types]
    shifts = [
        ShiftTypeSpec(id=i, name=name, start=begins, minutes=length, is_night=night,
                      forbidden_next=[1, 6] if i == 3 and shift_types >= 6 else ([1] if i == 3 else []))
        for i, name, begins, length, night in catalogue
    ]  # fmt: skip
    end = start + timedelta(days=days - 1)
    weeks = days / 7
    team = []
    for n in range(1, analysts + 1):
        part_time = rng.random() < 0.2
        shifts_per_week = 3 if part_time else 5
        most = round(shifts_per_week * weeks * 480)
        contract = Contract(
            max_minutes=most + 480,
            min_minutes=round(most * 0.75),
            max_consecutive_days=rng.choice([5, 6]),
            min_consecutive_days=2,
            min_consecutive_days_off=2 if rng.random() < 0.7 else None,
            max_weekends=math.ceil(weeks / 2) + (0 if part_time else 1),
            max_shifts_per_type=(
                {3: max(2, round(weeks * 2))}
                if rng.random() < 0.5 and shift_types >= 3  # the night shift
                else {}
            ),
        )
        days_off: list[date] = []
        if rng.random() < 0.25:
            first = start + timedelta(days=rng.randrange(days))
            days_off = [
                first + timedelta(days=k)
                for k in range(rng.randint(2, 5))
                if first + timedelta(days=k) <= end
            ]
        team.append(
            AnalystSpec(
                id=n,
                name=f"A{n}",
                skills=["triage", "screener"] if rng.random() < 0.4 else ["triage"],
                contract=contract,
                days_off=days_off,
            )
        )
    # A contract's shifts are its most minutes without the one shift of overtime.
    contracted = sum((a.contract.max_minutes or 0) // 480 - 1 - len(a.days_off) for a in team)
    capacity = contracted * staffing
    weekday_total = capacity / (days * (5 / 7 + 2 / 7 * 0.6))
    coverage = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        weekend = day.weekday() >= 5
        total = weekday_total * (0.6 if weekend else 1.0)
        share_sum = sum(SHARES[s.id] for s in shifts)
        for shift in shifts:
            required = max(1, round(total * SHARES[shift.id] / share_sum))
            screeners = 1 if not weekend and shift.id in (1, 2) else 0
            coverage.append(
                Coverage(
                    date=day,
                    shift_type_id=shift.id,
                    required=required,
                    screeners_required=screeners,
                )
            )
    requests = []
    for analyst in team:
        for _ in range(rng.randint(1, 4)):
            day = start + timedelta(days=rng.randrange(days))
            kind = RequestKind.OFF if rng.random() < 0.7 else RequestKind.ON
            shift_id = (
                None if kind is RequestKind.OFF or rng.random() < 0.5 else rng.choice(shifts).id
            )
            requests.append(
                ShiftRequest(
                    analyst_id=analyst.id,
                    date=day,
                    shift_type_id=shift_id,
                    kind=kind,
                    weight=rng.choice([5, 10, 15]),
                )
            )
    history = {}
    for analyst in team:
        pattern = []
        for back in range(7, 0, -1):
            day = start - timedelta(days=back)
            works = rng.random() < 0.6
            pattern.append(
                HistoryDay(date=day, shift_type_id=rng.choice(shifts).id if works else None)
            )
        history[analyst.id] = pattern
    fairness = {
        a.id: FairnessCounts(
            weekends=rng.randint(0, 3), nights=rng.randint(0, 4), screener_days=rng.randint(0, 3)
        )
        for a in team
    }
    return Problem(
        start=start,
        end=end,
        team=f"bench-{analysts}x{days}x{shift_types}-s{seed}",
        shift_types=shifts,
        analysts=team,
        coverage=coverage,
        requests=requests,
        history=history,
        fairness_history=fairness,
    )
