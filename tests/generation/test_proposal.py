"""Reading a roster against the schedule, without a database: the writes that make the
schedule hold it, and the analyst-days a re-plan changes."""

from __future__ import annotations

import itertools
from datetime import date

from shiftplanner.generation.proposal import plan_writes, replacements
from shiftplanner.generation.schemas import Replacement, Slot
from shiftplanner.models import Assignment, AssignmentSource
from shiftplanner.scheduling.problem import Assignment as Planned

MON, TUE = date(2030, 1, 7), date(2030, 1, 8)
MORNING, EVENING = 10, 20
_ids = itertools.count(100)


def saved(
    analyst_id: int,
    day: date,
    shift_type_id: int,
    *,
    screener: bool = False,
    locked: bool = False,
    skill: str | None = None,
) -> Assignment:
    return Assignment(
        id=next(_ids),
        org_id=1,
        analyst_id=analyst_id,
        date=day,
        shift_type_id=shift_type_id,
        is_screener=screener,
        skill=skill,
        is_locked=locked,
        note="by hand",
        version=3,
    )


def planned(
    analyst_id: int,
    day: date,
    shift_type_id: int,
    *,
    screener: bool = False,
    skill: str | None = None,
) -> Planned:
    return Planned(
        analyst_id=analyst_id,
        date=day,
        shift_type_id=shift_type_id,
        is_screener=screener,
        skill=skill,
    )


def test_what_the_roster_keeps_is_not_written() -> None:
    current = [saved(1, MON, MORNING), saved(2, MON, EVENING, screener=True)]
    roster = [planned(2, MON, EVENING, screener=True), planned(1, MON, MORNING)]
    assert plan_writes(current, roster) == []


def test_a_changed_day_is_updated_in_place_and_the_rest_created_or_deleted() -> None:
    screener_now = saved(1, MON, MORNING)
    other_shift = saved(2, MON, MORNING)
    dropped = saved(3, MON, EVENING)
    roster = [
        planned(1, MON, MORNING, screener=True),
        planned(2, MON, EVENING),
        planned(4, TUE, MORNING),
    ]

    writes = {w.pointer: w for w in plan_writes([screener_now, other_shift, dropped], roster)}

    first = writes["#/proposal/assignments/0"]
    assert (first.assignment_id, first.expected_version, first.index) == (screener_now.id, 3, 0)
    assert first.values is not None
    assert first.values["is_screener"] is True
    assert first.values["source"] is AssignmentSource.GENERATED
    assert first.values["note"] == "by hand"
    second = writes["#/proposal/assignments/1"]
    assert second.assignment_id == other_shift.id
    assert second.values is not None
    assert second.values["shift_type_id"] == EVENING
    deleted = writes[f"#/schedule/{dropped.id}"]
    assert (deleted.assignment_id, deleted.expected_version, deleted.values) == (
        dropped.id,
        3,
        None,
    )
    created = writes["#/proposal/assignments/2"]
    assert created.assignment_id is None
    assert created.values is not None
    assert (created.values["analyst_id"], created.values["date"]) == (4, TUE)
    assert created.values["source"] is AssignmentSource.GENERATED
    assert len(writes) == 4


def test_locked_assignments_are_left_alone() -> None:
    locked = saved(1, MON, MORNING, locked=True)
    # The roster keeps the locked one, as the solver must; it is neither rewritten nor
    # created a second time.
    assert plan_writes([locked], [planned(1, MON, MORNING)]) == []
    # Not even when a roster leaves it out.
    assert plan_writes([locked], []) == []


def test_the_skill_the_solver_chose_is_written() -> None:
    kept = saved(1, MON, MORNING, skill="senior")
    now_covering = saved(2, MON, MORNING)
    no_longer = saved(3, MON, EVENING, skill="senior")
    roster = [
        planned(1, MON, MORNING, skill="senior"),
        planned(2, MON, MORNING, skill="triage"),
        planned(3, MON, EVENING),
        planned(4, TUE, EVENING, skill="senior"),
    ]

    writes = {w.pointer: w for w in plan_writes([kept, now_covering, no_longer], roster)}

    assert "#/proposal/assignments/0" not in writes  # kept as it is
    covering = writes["#/proposal/assignments/1"]
    assert covering.assignment_id == now_covering.id
    assert covering.values is not None
    assert covering.values["skill"] == "triage"
    plain = writes["#/proposal/assignments/2"]
    assert plain.assignment_id == no_longer.id
    assert plain.values is not None
    assert plain.values["skill"] is None
    created = writes["#/proposal/assignments/3"]
    assert created.assignment_id is None
    assert created.values is not None
    assert (created.values["analyst_id"], created.values["skill"]) == (4, "senior")
    assert len(writes) == 3


def test_a_locked_assignment_is_kept_whatever_skill_the_roster_gives_it() -> None:
    locked = saved(1, MON, MORNING, locked=True, skill="senior")
    assert plan_writes([locked], [planned(1, MON, MORNING)]) == []
    assert plan_writes([locked], [planned(1, MON, MORNING, skill="senior")]) == []


def test_replacements_name_each_changed_analyst_day() -> None:
    before = [planned(1, MON, MORNING), planned(2, MON, EVENING), planned(3, TUE, MORNING)]
    after = [planned(4, MON, MORNING), planned(2, MON, EVENING), planned(3, TUE, MORNING, screener=True)]  # fmt: skip
    morning = Slot(shift_type_id=MORNING, is_screener=False)
    assert replacements(before, after) == [
        Replacement(analyst_id=1, date=MON, before=[morning], after=[]),
        Replacement(
            analyst_id=3,
            date=TUE,
            before=[morning],
            after=[Slot(shift_type_id=MORNING, is_screener=True)],
        ),
        Replacement(analyst_id=4, date=MON, before=[], after=[morning]),
    ]
