"""Coverage: analysts short of or beyond each shift-day's need, screeners short, hard
minimums."""

from __future__ import annotations

from shiftplanner.scheduling.builder import ModelBuilder, RuleRef
from shiftplanner.scheduling.solution import Term
from shiftplanner.scheduling.text import counted


def coverage(b: ModelBuilder) -> None:
    h = b.horizon
    weights = h.problem.weights
    needs = {(c.date, c.shift_type_id): c for c in h.problem.coverage}
    staff = len(h.analysts)
    for d, day in enumerate(h.days):
        for s, shift in enumerate(h.shifts):
            assigned = sum(b.x[a][d][s] for a in range(staff))
            need = needs.get((day, shift.id))
            if need is None:
                b.cost(Term.OVER_COVER, assigned, weights.over_cover)  # nobody is needed
                continue
            if need.hard_min:
                ref = RuleRef(
                    "hard_min",
                    f"{shift.label} on {day} needs at least {counted(need.hard_min, 'analyst')}",
                    shift_type_id=shift.id,
                    dates=(day,),
                )
                b.at_least(assigned, need.hard_min, ref)
            short = b.model.new_int_var(0, need.required, f"short_{d}_{s}")
            b.model.add(short >= need.required - assigned)
            over = b.model.new_int_var(0, staff, f"over_{d}_{s}")
            b.model.add(over >= assigned - need.required)
            b.cost(
                Term.UNDER_COVER,
                short,
                weights.under_cover if need.under_weight is None else need.under_weight,
            )
            b.cost(
                Term.OVER_COVER,
                over,
                weights.over_cover if need.over_weight is None else need.over_weight,
            )
            for cover in need.skills:
                duty = sum(
                    duties[cover.skill]
                    for a in range(staff)
                    if cover.skill in (duties := b.skill_duty.get((a, d, s), {}))
                )
                if cover.minimum:
                    ref = RuleRef(
                        "skill_min",
                        f"{shift.label} on {day} needs at least "
                        f"{counted(cover.minimum, 'analyst')} covering {cover.skill}",
                        shift_type_id=shift.id,
                        dates=(day,),
                    )
                    b.at_least(duty, cover.minimum, ref)
                if cover.optimal > cover.minimum:
                    missing = b.model.new_int_var(
                        0, cover.optimal, f"skill_short_{d}_{s}_{cover.skill}"
                    )
                    b.model.add(missing >= cover.optimal - duty)
                    weight = (
                        weights.skill_short if cover.under_weight is None else cover.under_weight
                    )
                    b.cost(Term.SKILL_SHORT, missing, weight)
            if need.screeners_required:
                duty = sum(b.screener[a][d][s] for a in b.screener)
                missing = b.model.new_int_var(0, need.screeners_required, f"screener_short_{d}_{s}")
                b.model.add(missing >= need.screeners_required - duty)
                b.cost(Term.SCREENER_SHORT, missing, weights.screener_short)
