"""Demo data: an organization with three sites, twelve analysts, the standard shift types,
four weeks of schedule from the current week on, a few absences, holidays and a blackout.

Everything goes through the domain services (so events are written as for any change),
in one transaction, and seeding again adds nothing that is already there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.absences import schemas as absence_schemas
from shiftplanner.absences import service as absence_service
from shiftplanner.analysts import schemas as analyst_schemas
from shiftplanner.analysts import service as analyst_service
from shiftplanner.blackouts import schemas as blackout_schemas
from shiftplanner.blackouts import service as blackout_service
from shiftplanner.bootstrap import AdminLogin, ensure_admin, random_password
from shiftplanner.config import Settings
from shiftplanner.holidays import schemas as holiday_schemas
from shiftplanner.holidays import service as holiday_service
from shiftplanner.kit.time import Interval, Weekday, days, shift_interval, week_start, zone
from shiftplanner.models import (
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Analyst,
    Assignment,
    BlackoutDate,
    Holiday,
    Organization,
    Role,
    ShiftType,
    Team,
    User,
)
from shiftplanner.orgs.repository import OrganizationRepository
from shiftplanner.schedules import schemas as schedule_schemas
from shiftplanner.schedules import service as schedule_service
from shiftplanner.security.actor import Actor
from shiftplanner.security.passwords import Passwords
from shiftplanner.shifts import schemas as shift_schemas
from shiftplanner.shifts import service as shift_service
from shiftplanner.teams import schemas as team_schemas
from shiftplanner.teams import service as team_service
from shiftplanner.users import schemas as user_schemas
from shiftplanner.users import service as user_service

DEMO_SLUG = "demo"
WEEKS = 4
WEEKDAYS = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]
WEEKEND = [Weekday.SAT, Weekday.SUN]

TEAMS = (
    ("London", "LDN", "Europe/London"),
    ("Americas", "AMR", "America/New_York"),
    ("Singapore", "SGP", "Asia/Singapore"),
)
# name, start, end, days, headcount, screeners; London's morning is its busiest shift.
SHIFT_TYPES = (
    ("MORNING", time(7), time(15), WEEKDAYS, 1, 1),
    ("EVENING", time(15), time(23), WEEKDAYS, 1, 0),
    ("NIGHT", time(23), time(7), WEEKDAYS, 1, 0),
    ("WEEKEND", time(8), time(20), WEEKEND, 1, 0),
)
ANALYSTS = {
    "LDN": ("Alice Moreau", "Ben Okafor", "Chloe Lindqvist", "Dev Patel", "Emma Walsh"),
    "AMR": ("Felix Romero", "Grace Kim", "Hugo Silva", "Ines Carter"),
    "SGP": ("Jun Tan", "Kavya Rao", "Liam Ong"),
}
# Who signs in besides the admin: London's team lead, and an analyst who sees their shifts.
LEAD = ("lead@demo.example.com", "Morgan Hale", Role.MANAGER)
ANALYST_ACCOUNT = "Alice Moreau"
SCREENERS = {"Alice Moreau", "Chloe Lindqvist", "Felix Romero", "Grace Kim", "Jun Tan", "Kavya Rao"}
MIN_REST = timedelta(hours=10)
MAX_CONSECUTIVE = 5

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoAccounts:
    """The team lead's and the analyst's sign-ins, made by this run."""

    emails: list[tuple[str, Role]]
    # Set only when generated here (not from SHIFTPLANNER_DEMO_PASSWORD).
    generated_password: str | None


@dataclass
class DemoResult:
    organization: Organization
    admin: AdminLogin | None
    accounts: DemoAccounts | None = None
    # How many of each kind (a singular noun: "blackout date") were created.
    created: dict[str, int] = field(default_factory=dict)


async def has_organizations(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(Organization)))


async def seed(
    session: AsyncSession,
    settings: Settings,
    passwords: Passwords,
    *,
    today: date,
    progress: Progress = lambda _step: None,
) -> DemoResult:
    """Seed (or complete) the demo organization. Returns what was created."""
    organizations = OrganizationRepository(session)
    org = await organizations.get_by_slug(DEMO_SLUG)
    created: dict[str, int] = {}
    if org is None:
        org = await organizations.add(
            Organization(name="Demo SOC", slug=DEMO_SLUG, timezone="Europe/London")
        )
        created["organization"] = 1
    result = DemoResult(organization=org, admin=None, created=created)
    progress("admin account")
    result.admin = await ensure_admin(session, settings, passwords, org)
    actor = Actor.system(org.id)

    progress("teams and shift types")
    teams = {code: await _team(session, actor, result, name, code, tz) for name, code, tz in TEAMS}
    shift_types = {
        code: [await _shift_type(session, actor, result, team, spec) for spec in SHIFT_TYPES]
        for code, team in teams.items()
    }
    progress("analysts")
    analysts = {
        code: [await _analyst(session, actor, result, teams[code], name) for name in names]
        for code, names in ANALYSTS.items()
    }

    progress("team lead and analyst accounts")
    result.accounts = await _accounts(session, settings, passwords, actor, result, analysts)

    first = week_start(today)
    progress("holidays and blackout dates")
    await _calendar(session, actor, result, teams, first)
    progress("approved absences")
    approved = [
        (
            analysts["LDN"][1],
            first + timedelta(days=9),
            first + timedelta(days=11),
            AbsenceKind.VACATION,
        ),
        (
            analysts["SGP"][2],
            first + timedelta(days=1),
            first + timedelta(days=2),
            AbsenceKind.SICK,
        ),
    ]
    for analyst, start, end, kind in approved:
        absence = await _absence(session, actor, result, analyst, start, end, kind)
        if absence is not None:
            await absence_service.approve_absence(
                session, actor, absence.id, absence_schemas.AbsenceDecision()
            )

    for week in range(WEEKS):
        monday = first + timedelta(weeks=week)
        progress(f"schedule, week of {monday}")
        for code, team in teams.items():
            await _schedule_week(
                session, actor, result, team, analysts[code], shift_types[code], monday
            )

    progress("open absence requests")
    # Requested, not approved: approving them strands assignments already on the schedule.
    await _absence(
        session,
        actor,
        result,
        analysts["AMR"][0],
        first + timedelta(days=14),
        first + timedelta(days=15),
        AbsenceKind.VACATION,
    )
    await _absence(
        session,
        actor,
        result,
        analysts["LDN"][3],
        first + timedelta(days=16),
        first + timedelta(days=16),
        AbsenceKind.TRAINING,
    )
    return result


async def _accounts(
    session: AsyncSession,
    settings: Settings,
    passwords: Passwords,
    actor: Actor,
    result: DemoResult,
    analysts: dict[str, list[Analyst]],
) -> DemoAccounts | None:
    configured = settings.demo_password.get_secret_value() if settings.demo_password else None
    password = configured or random_password()
    analyst = next(a for a in analysts["LDN"] if a.name == ANALYST_ACCOUNT)
    wanted = [LEAD, (analyst.email, analyst.name, Role.ANALYST)]
    made: list[tuple[str, Role]] = []
    for email, name, role in wanted:
        if await session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        user = await user_service.create_user(
            session,
            actor,
            passwords,
            user_schemas.UserCreate(
                email=email, full_name=name, role=role, password=SecretStr(password)
            ),
        )
        if role is Role.ANALYST:
            await analyst_service.update_analyst(
                session, actor, analyst.id, analyst_schemas.AnalystUpdate(user_id=user.id)
            )
        _count(result, "user")
        made.append((email, role))
    if not made:
        return None
    return DemoAccounts(emails=made, generated_password=None if configured else password)


def _count(result: DemoResult, kind: str, number: int = 1) -> None:
    result.created[kind] = result.created.get(kind, 0) + number


async def _team(
    session: AsyncSession, actor: Actor, result: DemoResult, name: str, code: str, tz: str
) -> Team:
    existing = await session.scalar(
        select(Team).where(Team.org_id == actor.org_id, Team.code == code)
    )
    if existing is not None:
        return existing
    _count(result, "team")
    return await team_service.create_team(
        session, actor, team_schemas.TeamCreate(name=name, code=code, timezone=tz)
    )


async def _shift_type(
    session: AsyncSession,
    actor: Actor,
    result: DemoResult,
    team: Team,
    spec: tuple[str, time, time, list[Weekday], int, int],
) -> ShiftType:
    name, start, end, weekdays, headcount, screeners = spec
    existing = await session.scalar(
        select(ShiftType).where(ShiftType.team_id == team.id, ShiftType.name == name)
    )
    if existing is not None:
        return existing
    if team.code == "LDN" and name == "MORNING":
        headcount = 2
    _count(result, "shift type")
    data = shift_schemas.ShiftTypeCreate(
        team_id=team.id,
        name=name,
        start_time=start,
        end_time=end,
        days_of_week=weekdays,
        required_headcount=headcount,
        screeners_required=screeners,
    )
    return await shift_service.create_shift_type(session, actor, data)


async def _analyst(
    session: AsyncSession, actor: Actor, result: DemoResult, team: Team, name: str
) -> Analyst:
    email = name.lower().replace(" ", ".") + "@demo.example.com"
    existing = await session.scalar(
        select(Analyst).where(Analyst.org_id == actor.org_id, Analyst.email == email)
    )
    if existing is not None:
        return existing
    _count(result, "analyst")
    data = analyst_schemas.AnalystCreate(
        name=name,
        email=email,
        team_id=team.id,
        skills=["triage", "screener"] if name in SCREENERS else ["triage"],
    )
    return await analyst_service.create_analyst(session, actor, data)


async def _calendar(
    session: AsyncSession, actor: Actor, result: DemoResult, teams: dict[str, Team], first: date
) -> None:
    holidays = [
        ("LDN", "Christmas Day", date(first.year, 12, 25), True),
        ("LDN", "Boxing Day", date(first.year, 12, 26), True),
        ("AMR", "Independence Day", date(first.year, 7, 4), True),
        ("SGP", "National Day", date(first.year, 8, 9), True),
    ]
    for code, name, day, recurring in holidays:
        exists = await session.scalar(
            select(Holiday.id).where(
                Holiday.team_id == teams[code].id, Holiday.name == name, Holiday.date == day
            )
        )
        if exists is None:
            _count(result, "holiday")
            data = holiday_schemas.HolidayCreate(
                team_id=teams[code].id, name=name, date=day, recurring=recurring
            )
            await holiday_service.create_holiday(session, actor, data)
    audit_day = first + timedelta(weeks=WEEKS - 1, days=4)
    exists = await session.scalar(
        select(BlackoutDate.id).where(
            BlackoutDate.team_id == teams["SGP"].id, BlackoutDate.start_date == audit_day
        )
    )
    if exists is None:
        _count(result, "blackout date")
        blackout = blackout_schemas.BlackoutDateCreate(
            team_id=teams["SGP"].id, start_date=audit_day, reason="Quarterly audit"
        )
        await blackout_service.create_blackout_date(session, actor, blackout)


async def _absence(
    session: AsyncSession,
    actor: Actor,
    result: DemoResult,
    analyst: Analyst,
    start: date,
    end: date,
    kind: AbsenceKind,
) -> Absence | None:
    exists = await session.scalar(
        select(Absence.id).where(
            Absence.analyst_id == analyst.id, Absence.start_date == start, Absence.end_date == end
        )
    )
    if exists is not None:
        return None
    _count(result, "absence")
    data = absence_schemas.AbsenceCreate(
        analyst_id=analyst.id, start_date=start, end_date=end, kind=kind
    )
    return await absence_service.request_absence(session, actor, data)


async def _schedule_week(
    session: AsyncSession,
    actor: Actor,
    result: DemoResult,
    team: Team,
    team_analysts: list[Analyst],
    shift_types: list[ShiftType],
    monday: date,
) -> None:
    sunday = monday + timedelta(days=6)
    analyst_ids = [a.id for a in team_analysts]
    booked = await session.scalar(
        select(func.count()).where(
            Assignment.analyst_id.in_(analyst_ids), Assignment.date.between(monday, sunday)
        )
    )
    if booked:
        return
    absences = await _approved_days(session, analyst_ids)
    history = await _recent_assignments(session, analyst_ids, monday, shift_types)
    items = plan_week(team_analysts, shift_types, monday, absences, history, team.timezone)
    if items:
        _count(result, "assignment", len(items))
        await schedule_service.bulk_write(session, actor, schedule_schemas.BulkRequest(items=items))


async def _approved_days(session: AsyncSession, analyst_ids: list[int]) -> set[tuple[int, date]]:
    rows = await session.execute(
        select(Absence.analyst_id, Absence.start_date, Absence.end_date).where(
            Absence.analyst_id.in_(analyst_ids), Absence.status == AbsenceStatus.APPROVED
        )
    )
    return {(analyst_id, day) for analyst_id, start, end in rows for day in days(start, end)}


async def _recent_assignments(
    session: AsyncSession, analyst_ids: list[int], monday: date, shift_types: list[ShiftType]
) -> list[tuple[int, date, ShiftType]]:
    by_id = {s.id: s for s in shift_types}
    rows = await session.execute(
        select(Assignment.analyst_id, Assignment.date, Assignment.shift_type_id).where(
            Assignment.analyst_id.in_(analyst_ids),
            Assignment.date.between(monday - timedelta(days=7), monday),
        )
    )
    return [(a, d, by_id[s]) for a, d, s in rows if s in by_id]


Worked = dict[int, list[tuple[date, datetime, datetime]]]


def plan_week(
    analysts: list[Analyst],
    shift_types: list[ShiftType],
    monday: date,
    absent: set[tuple[int, date]],
    history: list[tuple[int, date, ShiftType]],
    timezone: str,
) -> list[schedule_schemas.BulkItem]:
    """A simple, deterministic rota: each shift takes the least-loaded analysts who are
    present, not yet working that day, rested for 10 hours and under 6 days in a row.
    Short-staffed shifts stay short (they show up as coverage gaps)."""
    worked: Worked = {a.id: [] for a in analysts}
    for analyst_id, day, shift in history:
        span = shift_interval(day, shift.start_time, shift.end_time, timezone)
        worked[analyst_id].append((day, span.start, span.end))
    items: list[schedule_schemas.BulkItem] = []
    for day in days(monday, monday + timedelta(days=6)):
        for shift in shift_types:
            if Weekday.of(day).value not in shift.days_of_week:
                continue
            span = shift_interval(day, shift.start_time, shift.end_time, timezone)
            candidates = sorted(
                (
                    a
                    for a in analysts
                    if _available(worked[a.id], a.id, day, span, absent, timezone)
                ),
                key=lambda a: (len(worked[a.id]), a.id),
            )[: shift.required_headcount]
            screeners_needed = shift.screeners_required
            for analyst in sorted(candidates, key=lambda a: not a.is_screener):
                is_screener = screeners_needed > 0 and analyst.is_screener
                screeners_needed -= int(is_screener)
                worked[analyst.id].append((day, span.start, span.end))
                items.append(
                    schedule_schemas.BulkItem(
                        analyst_id=analyst.id,
                        shift_type_id=shift.id,
                        date=day,
                        is_screener=is_screener,
                    )
                )
    return items


def _available(
    shifts: list[tuple[date, datetime, datetime]],
    analyst_id: int,
    day: date,
    span: Interval,
    absent: set[tuple[int, date]],
    timezone: str,
) -> bool:
    # A night shift ends on the next day: the analyst must be present then too.
    ends_on = span.end.astimezone(zone(timezone)).date()
    if (analyst_id, day) in absent or (analyst_id, ends_on) in absent:
        return False
    if any(d == day for d, _, _ in shifts):
        return False
    if any(end > span.start - MIN_REST and start < span.end for _, start, end in shifts):
        return False
    streak = {d for d, _, _ in shifts}
    return not all(day - timedelta(days=n) in streak for n in range(1, MAX_CONSECUTIVE + 1))
