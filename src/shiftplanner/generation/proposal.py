"""Reading a solver's roster against the schedule: the writes that make the schedule hold
it, and the analyst-days a re-plan changes. Pure functions over loaded rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from shiftplanner.generation import schemas
from shiftplanner.models import Assignment, AssignmentSource
from shiftplanner.schedules.service import Write
from shiftplanner.scheduling import problem as spec

Cell = tuple[int, date]  # (analyst id, day)
T = TypeVar("T", Assignment, spec.Assignment)


def _cells(assignments: Iterable[T]) -> dict[Cell, list[T]]:
    cells: dict[Cell, list[T]] = defaultdict(list)
    for assignment in assignments:
        cells[(assignment.analyst_id, assignment.date)].append(assignment)
    return cells


def _same(saved: Assignment, wanted: spec.Assignment, *, duty: bool = True) -> bool:
    """The same shift type, and with `duty` the same screener duty and skill covered."""
    return saved.shift_type_id == wanted.shift_type_id and (
        not duty or (saved.is_screener, saved.skill) == (wanted.is_screener, wanted.skill)
    )


def _keeps(locked: Assignment, wanted: spec.Assignment) -> bool:
    """Whether the roster's entry is the locked assignment, kept as it is (the solver
    keeps its shift type and screener duty)."""
    return (locked.shift_type_id, locked.is_screener) == (wanted.shift_type_id, wanted.is_screener)


def _values(wanted: spec.Assignment, note: str = "") -> dict[str, Any]:
    return {
        "analyst_id": wanted.analyst_id,
        "shift_type_id": wanted.shift_type_id,
        "date": wanted.date,
        "is_screener": wanted.is_screener,
        "skill": wanted.skill,
        "note": note,
        "source": AssignmentSource.GENERATED,
        "is_locked": False,
    }


def plan_writes(current: Sequence[Assignment], roster: Sequence[spec.Assignment]) -> list[Write]:
    """The creates, updates and deletes that turn `current` (the assignments the problem
    covered) into `roster`. Locked assignments stay untouched; an assignment the roster
    keeps as it is is not written; one whose day changes shift, screener duty or skill
    is updated (it keeps its id); the rest is deleted or created. Each write's `index` is
    the roster entry it writes, so refused items name proposal entries."""
    position = {id(wanted): index for index, wanted in enumerate(roster)}
    wanted_cells = _cells(roster)
    saved_cells = _cells(a for a in current if not a.is_locked)
    for locked in (a for a in current if a.is_locked):
        kept = wanted_cells.get((locked.analyst_id, locked.date), [])
        taken = next((w for w in kept if _keeps(locked, w)), None)
        if taken is not None:
            kept.remove(taken)
    writes: list[Write] = []
    for cell in sorted(set(wanted_cells) | set(saved_cells)):
        have = sorted(saved_cells.get(cell, []), key=lambda a: a.id)
        want = list(wanted_cells.get(cell, []))
        for wanted in list(want):
            match = next((saved for saved in have if _same(saved, wanted)), None)
            if match is not None:
                have.remove(match)
                want.remove(wanted)
        # What changes shift, screener duty or skill is updated in place: the same shift
        # type first, then any other.
        pairs: list[tuple[Assignment, spec.Assignment]] = []
        for wanted in list(want):
            match = next((s for s in have if _same(s, wanted, duty=False)), None)
            if match is not None:
                pairs.append((match, wanted))
                have.remove(match)
                want.remove(wanted)
        while have and want:
            pairs.append((have.pop(0), want.pop(0)))
        for saved, wanted in pairs:
            index = position[id(wanted)]
            writes.append(
                Write(
                    pointer=f"#/proposal/assignments/{index}",
                    index=index,
                    assignment_id=saved.id,
                    expected_version=saved.version,
                    values=_values(wanted, saved.note),
                )
            )
        writes += [
            Write(
                pointer=f"#/schedule/{saved.id}",
                assignment_id=saved.id,
                expected_version=saved.version,
            )
            for saved in have
        ]
        for wanted in want:
            index = position[id(wanted)]
            writes.append(
                Write(
                    pointer=f"#/proposal/assignments/{index}", index=index, values=_values(wanted)
                )
            )
    return writes


def _slots(assignments: Iterable[spec.Assignment]) -> list[schemas.Slot]:
    return sorted(
        (
            schemas.Slot(shift_type_id=a.shift_type_id, is_screener=a.is_screener, skill=a.skill)
            for a in assignments
        ),
        key=lambda s: (s.shift_type_id, s.is_screener, s.skill or ""),
    )


def replacements(
    before: Sequence[spec.Assignment], after: Sequence[spec.Assignment]
) -> list[schemas.Replacement]:
    """Each analyst-day whose shifts (or screener duty) differ between the roster before
    and the proposal, with both."""
    old, new = _cells(before), _cells(after)
    changed = []
    for analyst_id, day in sorted(set(old) | set(new)):
        was, becomes = (
            _slots(old.get((analyst_id, day), [])),
            _slots(new.get((analyst_id, day), [])),
        )
        if was != becomes:
            changed.append(
                schemas.Replacement(analyst_id=analyst_id, date=day, before=was, after=becomes)
            )
    return changed


def proposed(
    problem: spec.Problem, roster: Sequence[spec.Assignment]
) -> list[schemas.ProposedAssignment]:
    locked = {(a.analyst_id, a.date, a.shift_type_id, a.is_screener) for a in problem.locked}
    return [
        schemas.ProposedAssignment(
            analyst_id=a.analyst_id,
            shift_type_id=a.shift_type_id,
            date=a.date,
            is_screener=a.is_screener,
            skill=a.skill,
            is_locked=(a.analyst_id, a.date, a.shift_type_id, a.is_screener) in locked,
        )
        for a in roster
    ]
