"""The Second International Nurse Rostering Competition (INRC-II), static 4-week subset:
its text files read in place (`../shared/bench/rostering/`, never copied here) and a
roster scored as the competition's official validator scores it (the rules' sec. 2.5
and App. B, as `../shared/bench/rostering/README.md` states them). The scorer is the
independent checker the solver's objective is judged against."""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path

from shiftplanner.scheduling import problem as spec

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OFF = None
ANY = "Any"
# The objective's weights (rules sec. 2.5).
WEIGHT_OPTIMAL_COVER = 30
WEIGHT_CONSECUTIVE_WORK = 30
WEIGHT_CONSECUTIVE_SHIFT = 15
WEIGHT_CONSECUTIVE_OFF = 30
WEIGHT_SHIFT_OFF_REQUEST = 10
WEIGHT_COMPLETE_WEEKEND = 30
WEIGHT_TOTAL_ASSIGNMENTS = 20
WEIGHT_WORKED_WEEKENDS = 30


def data_root() -> Path | None:
    """Where the benchmark lies: `SHIFTPLANNER_ROSTERING_DATA`, else the shared folder
    beside the checkout, else the project machine's."""
    configured = os.environ.get("SHIFTPLANNER_ROSTERING_DATA")
    candidates = [Path(configured)] if configured else []
    candidates += [
        Path(__file__).resolve().parents[3] / "shared" / "bench" / "rostering",
        Path("/work/shared/bench/rostering"),
    ]
    return next((path for path in candidates if (path / "instances.csv").is_file()), None)


@dataclass(frozen=True)
class Contract:
    name: str
    total: tuple[int, int]  # least and most assignments in the horizon
    work: tuple[int, int]  # least and most consecutive working days
    off: tuple[int, int]  # least and most consecutive days off
    max_weekends: int
    complete_weekends: bool


@dataclass(frozen=True)
class Nurse:
    name: str
    contract: str
    skills: frozenset[str]


@dataclass(frozen=True)
class NurseHistory:
    """The border: the counters at the start and the Sunday before the first Monday."""

    assignments: int
    worked_weekends: int
    last_shift: str | None
    same_shift_days: int
    work_days: int
    off_days: int


@dataclass(frozen=True)
class Scenario:
    name: str
    weeks: int
    skills: tuple[str, ...]
    shifts: dict[str, tuple[int, int]]  # least and most consecutive days of each shift
    forbidden: dict[str, frozenset[str]]  # shift → shifts that may not follow the next day
    contracts: dict[str, Contract]
    nurses: tuple[Nurse, ...]


@dataclass(frozen=True)
class Week:
    # (day of the week 0-6, shift, skill) → (minimum, optimal)
    requirements: dict[tuple[int, str, str], tuple[int, int]]
    # (nurse, day 0-6, shift or ANY)
    off_requests: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class Instance:
    name: str
    scenario: Scenario
    history: dict[str, NurseHistory]
    weeks: tuple[Week, ...]

    @property
    def days(self) -> int:
        return 7 * len(self.weeks)


@dataclass(frozen=True)
class Assignment:
    nurse: str
    day: int  # 0 .. days - 1 over the horizon
    shift: str
    skill: str


@dataclass
class Score:
    """The validator's report: hard violations (any makes the roster infeasible) and the
    cost of each soft constraint."""

    hard: Counter[str] = field(default_factory=Counter)
    soft: Counter[str] = field(default_factory=Counter)

    @property
    def feasible(self) -> bool:
        return not any(self.hard.values())

    @property
    def total(self) -> int:
        return sum(self.soft.values())


def _tokens(path: Path) -> list[str]:
    return path.read_text().split()


def _pair(token: str) -> tuple[int, int]:
    low, high = token.strip("()").split(",")
    return int(low), int(high)


def read_scenario(path: Path) -> Scenario:
    words = _tokens(path)
    at = 0

    def take(count: int = 1) -> list[str]:
        nonlocal at
        taken = words[at : at + count]
        at += count
        return taken

    def expect(*keywords: str) -> None:
        found = take(len(keywords))
        if found != list(keywords):
            raise ValueError(f"{path}: expected {' '.join(keywords)}, found {' '.join(found)}")

    expect("SCENARIO", "=")
    [name] = take()
    expect("WEEKS", "=")
    weeks = int(take()[0])
    expect("SKILLS", "=")
    skills = tuple(take(int(take()[0])))
    expect("SHIFT_TYPES", "=")
    shifts = {}
    for _ in range(int(take()[0])):
        shift, bounds = take(2)
        shifts[shift] = _pair(bounds)
    expect("FORBIDDEN_SHIFT_TYPES_SUCCESSIONS")
    forbidden = {}
    for _ in shifts:
        shift, count = take(2)
        forbidden[shift] = frozenset(take(int(count)))
    expect("CONTRACTS", "=")
    contracts = {}
    for _ in range(int(take()[0])):
        contract, total, work, off, weekends, complete = take(6)
        contracts[contract] = Contract(
            contract, _pair(total), _pair(work), _pair(off), int(weekends), complete == "1"
        )
    expect("NURSES", "=")
    nurses = []
    for _ in range(int(take()[0])):
        nurse, contract, count = take(3)
        nurses.append(Nurse(nurse, contract, frozenset(take(int(count)))))
    return Scenario(name, weeks, skills, shifts, forbidden, contracts, tuple(nurses))


def read_history(path: Path) -> dict[str, NurseHistory]:
    words = _tokens(path)
    start = words.index("NURSE_HISTORY") + 1
    history = {}
    for at in range(start, len(words), 7):
        nurse, total, weekends, last, same, work, off = words[at : at + 7]
        history[nurse] = NurseHistory(
            int(total),
            int(weekends),
            None if last == "None" else last,
            int(same),
            int(work),
            int(off),
        )
    return history


def read_week(path: Path) -> Week:
    words = _tokens(path)
    at = words.index("REQUIREMENTS") + 1
    requests_at = words.index("SHIFT_OFF_REQUESTS")
    requirements = {}
    while at < requests_at:
        shift, skill = words[at : at + 2]
        for day, bounds in enumerate(words[at + 2 : at + 9]):
            requirements[(day, shift, skill)] = _pair(bounds)
        at += 9
    count = int(words[requests_at + 2])
    requests = []
    for index in range(count):
        nurse, shift, weekday = words[requests_at + 3 + 3 * index : requests_at + 6 + 3 * index]
        requests.append((nurse, DAYS.index(weekday), shift))
    return Week(requirements, tuple(requests))


@dataclass(frozen=True)
class Listed:
    """A row of `instances.csv`: an instance and what is known of it."""

    name: str
    dataset: str
    history: str
    weeks: tuple[str, ...]
    best_known: int | None
    lower_bound: int | None


def listed(root: Path) -> list[Listed]:
    with (root / "instances.csv").open() as rows:
        return [
            Listed(
                row["instance"],
                row["dataset"],
                row["history"],
                tuple(row["weeks"].split("-")),
                int(row["best_known"]) if row["best_known"] else None,
                int(row["lower_bound"]) if row["lower_bound"] else None,
            )
            for row in csv.DictReader(rows)
        ]


def read_instance(root: Path, entry: Listed) -> Instance:
    folder = root / "inrc2" / entry.dataset
    return Instance(
        entry.name,
        read_scenario(folder / f"Sc-{entry.dataset}.txt"),
        read_history(folder / f"H0-{entry.dataset}-{entry.history}.txt"),
        tuple(read_week(folder / f"WD-{entry.dataset}-{week}.txt") for week in entry.weeks),
    )


def read_solution(folder: Path) -> list[Assignment]:
    """The validator's input: one `Sol-<scenario>-<week file>-<week index>.txt` a week."""
    files = sorted(folder.glob("Sol-*.txt"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
    assignments = []
    for week, path in enumerate(files):
        words = _tokens(path)
        at = words.index("ASSIGNMENTS") + 3
        for index in range(int(words[at - 1])):
            nurse, day, shift, skill = words[at + 4 * index : at + 4 * index + 4]
            assignments.append(Assignment(nurse, 7 * week + DAYS.index(day), shift, skill))
    return assignments


def run_costs(runs: Iterable[tuple[int, int, bool]], bounds: tuple[int, int], weight: int) -> int:
    """The cost of runs (length including the history's count, that count, closed): over
    the most on every run, short of the least on closed runs only, a run carried over
    from history charged only for what the horizon adds."""
    least, most = bounds
    cost = 0
    for length, carried, closed in runs:
        cost += max(0, length - most) - max(0, carried - most)
        if closed and carried < least:
            cost += max(0, least - length)
    return cost * weight


def runs_of(flags: list[bool], carried: int) -> list[tuple[int, int, bool]]:
    """Maximal runs of True in `flags` (the horizon), the first one extended by `carried`
    days from history (a run of `carried` days closed at the border if day 0 is False)."""
    runs: list[tuple[int, int, bool]] = []
    length, start_carry = carried, carried
    for flag in flags:
        if flag:
            length += 1
        elif length:
            runs.append((length, start_carry, True))
            length, start_carry = 0, 0
        else:
            start_carry = 0
    if length:
        runs.append((length, start_carry, False))
    return runs


def score(instance: Instance, assignments: Iterable[Assignment]) -> Score:
    scenario, days = instance.scenario, instance.days
    result = Score()
    by_nurse_day: dict[tuple[str, int], list[Assignment]] = {}
    for assignment in assignments:
        by_nurse_day.setdefault((assignment.nurse, assignment.day), []).append(assignment)
    nurses = {nurse.name: nurse for nurse in scenario.nurses}

    # H1 one shift a day; H4 a skill the nurse has.
    cover: Counter[tuple[int, str, str]] = Counter()
    for (name, day), held in by_nurse_day.items():
        result.hard["single assignment per day"] += len(held) - 1
        for assignment in held:
            result.hard["required skill"] += assignment.skill not in nurses[name].skills
            cover[(day, assignment.shift, assignment.skill)] += 1

    # H2 minimum cover, S1 optimal cover; S4 shift-off requests.
    for week_index, week in enumerate(instance.weeks):
        for (weekday, shift, skill), (minimum, optimal) in week.requirements.items():
            have = cover[(7 * week_index + weekday, shift, skill)]
            result.hard["minimal coverage"] += max(0, minimum - have)
            result.soft["optimal coverage"] += WEIGHT_OPTIMAL_COVER * max(0, optimal - have)
        for requester, weekday, wanted_off in week.off_requests:
            for assignment in by_nurse_day.get((requester, 7 * week_index + weekday), []):
                if wanted_off in (ANY, assignment.shift):
                    result.soft["preferences"] += WEIGHT_SHIFT_OFF_REQUEST

    for nurse in scenario.nurses:
        contract = scenario.contracts[nurse.contract]
        past = instance.history[nurse.name]
        shifts: list[str | None] = [
            found[0].shift if (found := by_nurse_day.get((nurse.name, day))) else OFF
            for day in range(days)
        ]
        # H3 forbidden successions, from the Sunday before the horizon on.
        previous: str | None = past.last_shift
        for today in shifts:
            if previous is not None and today is not None and today in scenario.forbidden[previous]:
                result.hard["illegal shift type succession"] += 1
            previous = today
        # S2 consecutive working days and days of one shift; S3 consecutive days off.
        worked = [shift is not OFF for shift in shifts]
        result.soft["consecutive"] += run_costs(
            runs_of(worked, past.work_days), contract.work, WEIGHT_CONSECUTIVE_WORK
        )
        for shift_name, bounds in scenario.shifts.items():
            carried = past.same_shift_days if past.last_shift == shift_name else 0
            same = [shift == shift_name for shift in shifts]
            result.soft["consecutive"] += run_costs(
                runs_of(same, carried), bounds, WEIGHT_CONSECUTIVE_SHIFT
            )
        result.soft["non working days"] += run_costs(
            runs_of([not flag for flag in worked], past.off_days),
            contract.off,
            WEIGHT_CONSECUTIVE_OFF,
        )
        # S5 complete weekends, S7 worked weekends, S6 total assignments.
        weekends = [(worked[7 * w + 5], worked[7 * w + 6]) for w in range(len(instance.weeks))]
        if contract.complete_weekends:
            result.soft["complete weekends"] += WEIGHT_COMPLETE_WEEKEND * sum(
                saturday != sunday for saturday, sunday in weekends
            )
        worked_weekends = past.worked_weekends + sum(any(weekend) for weekend in weekends)
        result.soft["max working weekend"] += WEIGHT_WORKED_WEEKENDS * max(
            0, worked_weekends - contract.max_weekends
        )
        total = past.assignments + sum(worked)
        least, most = contract.total
        result.soft["total assignments"] += WEIGHT_TOTAL_ASSIGNMENTS * (
            max(0, least - total) + max(0, total - most)
        )
    return result


def report(scored: Score) -> Mapping[str, int]:
    """The validator's cost lines, by its names."""
    return dict(scored.soft)


# --- converting to and from the solver's problem -------------------------------------

FIRST_MONDAY = date(2024, 1, 1)
# The competition's weights as the solver's: every limit is weighted, coverage counts
# by skill only, and nothing the competition does not score costs anything.
WEIGHTS = spec.Weights(
    under_cover=0,
    over_cover=0,
    screener_short=0,
    on_request=0,
    off_request=WEIGHT_SHIFT_OFF_REQUEST,
    fairness_weekends=0,
    fairness_nights=0,
    fairness_screener=0,
    change=0,
    skill_short=WEIGHT_OPTIMAL_COVER,
    consecutive_days=WEIGHT_CONSECUTIVE_WORK,
    consecutive_days_off=WEIGHT_CONSECUTIVE_OFF,
    consecutive_shift_type=WEIGHT_CONSECUTIVE_SHIFT,
    assignments=WEIGHT_TOTAL_ASSIGNMENTS,
    weekends=WEIGHT_WORKED_WEEKENDS,
    complete_weekends=WEIGHT_COMPLETE_WEEKEND,
)


def _shift_ids(scenario: Scenario) -> dict[str, int]:
    return {name: index + 1 for index, name in enumerate(scenario.shifts)}


def _nurse_ids(scenario: Scenario) -> dict[str, int]:
    return {nurse.name: index + 1 for index, nurse in enumerate(scenario.nurses)}


def history_days(past: NurseHistory, shift_ids: Mapping[str, int]) -> list[spec.HistoryDay]:
    """The border counters as the days they describe, back to the first day that closes
    the last run: the last shift's run, the rest of the working run on another shift
    type, then a day off; or the days off, then a worked day."""
    other = {
        name: next(i for other_name, i in shift_ids.items() if other_name != name)
        for name in shift_ids
    }
    kinds: list[int | None] = []
    if past.last_shift is not None:
        last = shift_ids[past.last_shift]
        kinds += [last] * past.same_shift_days
        kinds += [other[past.last_shift]] * (past.work_days - past.same_shift_days)
        kinds.append(None)
    else:
        kinds += [None] * past.off_days
        kinds.append(next(iter(shift_ids.values())))
    return [
        spec.HistoryDay(date=FIRST_MONDAY - timedelta(days=back + 1), shift_type_id=kind)
        for back, kind in enumerate(kinds)
    ]


def problem(instance: Instance) -> spec.Problem:
    """The instance as the solver's problem, without loss: its objective on any roster
    is the validator's total cost (tests/bench/solver/test_inrc2.py)."""
    scenario = instance.scenario
    shift_ids, nurse_ids = _shift_ids(scenario), _nurse_ids(scenario)
    shift_types = [
        spec.ShiftTypeSpec(
            id=shift_ids[name],
            name=name,
            start=time(8),
            minutes=8 * 60,
            forbidden_next=sorted(shift_ids[next_] for next_ in scenario.forbidden[name]),
            min_consecutive=least,
            max_consecutive=most,
        )
        for name, (least, most) in scenario.shifts.items()
    ]
    analysts = []
    for nurse in scenario.nurses:
        contract = scenario.contracts[nurse.contract]
        analysts.append(
            spec.AnalystSpec(
                id=nurse_ids[nurse.name],
                name=nurse.name,
                skills=sorted(nurse.skills),
                contract=spec.Contract(
                    min_assignments=contract.total[0],
                    max_assignments=contract.total[1],
                    min_consecutive_days=contract.work[0],
                    max_consecutive_days=contract.work[1],
                    min_consecutive_days_off=contract.off[0],
                    max_consecutive_days_off=contract.off[1],
                    max_weekends=contract.max_weekends,
                    complete_weekends=contract.complete_weekends,
                ),
            )
        )
    coverage = []
    requests = []
    for week_index, week in enumerate(instance.weeks):
        needs: dict[tuple[int, str], list[spec.SkillCover]] = {}
        for (weekday, shift, skill), (minimum, optimal) in sorted(week.requirements.items()):
            if minimum or optimal:
                cover = spec.SkillCover(skill=skill, minimum=minimum, optimal=optimal)
                needs.setdefault((weekday, shift), []).append(cover)
        for (weekday, shift), skills in sorted(needs.items()):
            coverage.append(
                spec.Coverage(
                    date=FIRST_MONDAY + timedelta(days=7 * week_index + weekday),
                    shift_type_id=shift_ids[shift],
                    required=0,
                    skills=skills,
                )
            )
        for nurse_name, weekday, shift in week.off_requests:
            requests.append(
                spec.ShiftRequest(
                    analyst_id=nurse_ids[nurse_name],
                    date=FIRST_MONDAY + timedelta(days=7 * week_index + weekday),
                    shift_type_id=None if shift == ANY else shift_ids[shift],
                    kind=spec.RequestKind.OFF,
                )
            )
    return spec.Problem(
        start=FIRST_MONDAY,
        end=FIRST_MONDAY + timedelta(days=instance.days - 1),
        team=instance.name,
        shift_types=shift_types,
        analysts=analysts,
        coverage=coverage,
        requests=requests,
        history={
            nurse_ids[name]: history_days(past, shift_ids)
            for name, past in instance.history.items()
        },
        contract_history={
            nurse_ids[name]: spec.ContractCounts(
                assignments=past.assignments, weekends=past.worked_weekends
            )
            for name, past in instance.history.items()
        },
        weights=WEIGHTS,
        # Only the listed successions are forbidden: no rest rule.
        rules=spec.Rules(min_rest_hours=0),
    )


def to_roster(instance: Instance, assignments: Iterable[Assignment]) -> list[spec.Assignment]:
    shift_ids, nurse_ids = _shift_ids(instance.scenario), _nurse_ids(instance.scenario)
    return [
        spec.Assignment(
            analyst_id=nurse_ids[a.nurse],
            date=FIRST_MONDAY + timedelta(days=a.day),
            shift_type_id=shift_ids[a.shift],
            skill=a.skill,
        )
        for a in assignments
    ]


def from_roster(instance: Instance, roster: Iterable[spec.Assignment]) -> list[Assignment]:
    """The solver's roster as the validator's assignments. One the solver left without a
    skill takes any of the nurse's: `solve()` leaves none where a skill of the nurse's is
    short, so that changes no cost."""
    scenario = instance.scenario
    shift_names = {i: name for name, i in _shift_ids(scenario).items()}
    nurses = {i: scenario.nurses[i - 1] for i in _nurse_ids(scenario).values()}
    return [
        Assignment(
            nurses[a.analyst_id].name,
            (a.date - FIRST_MONDAY).days,
            shift_names[a.shift_type_id],
            a.skill or min(nurses[a.analyst_id].skills),
        )
        for a in roster
    ]
