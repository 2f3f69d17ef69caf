"""One shift a day, days off, locked assignments."""

from __future__ import annotations

from shiftplanner.scheduling.builder import ModelBuilder, RuleRef


def one_shift_per_day(b: ModelBuilder) -> None:
    """Structural, never relaxed: `work` is whether any shift is worked, and screener
    duty and a skill (at most one) only ever ride on a shift the analyst works."""
    for a in range(len(b.horizon.analysts)):
        for d in range(b.horizon.size):
            b.model.add(sum(b.x[a][d]) == b.work[a][d])
            if a in b.screener:
                for s, duty in enumerate(b.screener[a][d]):
                    b.model.add_implication(duty, b.x[a][d][s])
    for (a, d, s), duties in b.skill_duty.items():
        b.model.add(sum(duties.values()) <= b.x[a][d][s])


def days_off(b: ModelBuilder) -> None:
    h = b.horizon
    for a, analyst in enumerate(h.analysts):
        for day in analyst.days_off:
            d = h.index.get(day)
            if d is not None:
                ref = RuleRef(
                    "day_off", f"{analyst.label} is off on {day}", analyst.id, dates=(day,)
                )
                b.at_most(b.work[a][d], 0, ref)
        for shift in analyst.unavailable:
            d = h.index[shift.date]
            s = h.shift_index[shift.shift_type_id]
            ref = RuleRef(
                "day_off",
                f"{analyst.label} may not work {h.shift_label(shift.shift_type_id)} on {shift.date}",
                analyst.id,
                shift.shift_type_id,
                dates=(shift.date,),
            )
            b.at_most(b.x[a][d][s], 0, ref)


def locked(b: ModelBuilder) -> None:
    h = b.horizon
    for assignment in h.problem.locked:
        d = h.index.get(assignment.date)
        if d is None:
            continue
        a, s = h.analyst_index[assignment.analyst_id], h.shift_index[assignment.shift_type_id]
        ref = RuleRef(
            "locked",
            f"{h.analyst_label(assignment.analyst_id)} is locked on "
            f"{h.shift_label(assignment.shift_type_id)} on {assignment.date}",
            assignment.analyst_id,
            assignment.shift_type_id,
            (assignment.date,),
        )
        b.at_least(b.x[a][d][s], 1, ref)
        if a in b.screener:
            duty = b.screener[a][d][s]
            if assignment.is_screener:
                b.at_least(duty, 1, ref)
            else:
                b.at_most(duty, 0, ref)
        elif assignment.is_screener:
            skill = RuleRef(
                "screener_skill",
                f"{h.analyst_label(assignment.analyst_id)} is locked as screener on "
                f"{h.shift_label(assignment.shift_type_id)} on {assignment.date} without the skill",
                assignment.analyst_id,
                assignment.shift_type_id,
                (assignment.date,),
            )
            b.at_least(b.model.new_constant(0), 1, skill, slack_bound=1)
