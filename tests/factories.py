"""Small factories that put rows straight into the database, for arranging tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import WEEKDAYS
from shiftplanner.models import (
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Analyst,
    Assignment,
    Organization,
    Role,
    ShiftType,
    Team,
    User,
)
from shiftplanner.runtime import Runtime
from shiftplanner.security import sessions
from shiftplanner.security.tokens import TokenKind

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_sequence)}"


async def make_org(
    session: AsyncSession, *, timezone: str = "Europe/London", **fields: object
) -> Organization:
    slug = unique("org-")
    org = Organization(name=f"Org {slug}", slug=slug, timezone=timezone, **fields)
    session.add(org)
    await session.flush()
    return org


async def make_team(
    session: AsyncSession,
    org: Organization,
    *,
    code: str | None = None,
    timezone: str = "Europe/London",
) -> Team:
    team = Team(org_id=org.id, name=f"Team {code}", code=code or unique("T"), timezone=timezone)
    session.add(team)
    await session.flush()
    return team


async def make_user(
    session: AsyncSession,
    runtime: Runtime,
    org: Organization,
    role: Role = Role.ADMIN,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    superuser: bool = False,
    active: bool = True,
) -> User:
    user = User(
        org_id=org.id,
        email=email or f"{unique(role.value)}@example.com",
        full_name=f"{role.value.title()} User",
        password_hash=await runtime.passwords.hash(password),
        role=role,
        is_superuser=superuser,
        is_active=active,
    )
    session.add(user)
    await session.flush()
    return user


async def make_analyst(
    session: AsyncSession,
    team: Team,
    *,
    name: str | None = None,
    skills: list[str] | None = None,
    user: User | None = None,
    active: bool = True,
) -> Analyst:
    name = name or unique("Analyst ")
    analyst = Analyst(
        org_id=team.org_id,
        team_id=team.id,
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.com",
        skills=skills or [],
        user_id=user.id if user else None,
        is_active=active,
    )
    session.add(analyst)
    await session.flush()
    return analyst


async def make_shift_type(
    session: AsyncSession,
    team: Team,
    *,
    name: str | None = None,
    start: time = time(7),
    end: time = time(15),
    days: list[str] | None = None,
    headcount: int = 1,
    screeners: int = 0,
) -> ShiftType:
    shift_type = ShiftType(
        org_id=team.org_id,
        team_id=team.id,
        name=name or unique("SHIFT"),
        start_time=start,
        end_time=end,
        days_of_week=days if days is not None else [day.value for day in WEEKDAYS],
        required_headcount=headcount,
        screeners_required=screeners,
    )
    session.add(shift_type)
    await session.flush()
    return shift_type


async def make_assignment(
    session: AsyncSession,
    analyst: Analyst,
    shift_type: ShiftType,
    day: date,
    *,
    screener: bool = False,
) -> Assignment:
    assignment = Assignment(
        org_id=analyst.org_id,
        analyst_id=analyst.id,
        shift_type_id=shift_type.id,
        date=day,
        is_screener=screener,
    )
    session.add(assignment)
    await session.flush()
    return assignment


async def make_absence(
    session: AsyncSession,
    analyst: Analyst,
    start: date,
    end: date,
    *,
    status: AbsenceStatus = AbsenceStatus.APPROVED,
    kind: AbsenceKind = AbsenceKind.VACATION,
) -> Absence:
    absence = Absence(
        org_id=analyst.org_id,
        analyst_id=analyst.id,
        start_date=start,
        end_date=end,
        kind=kind,
        status=status,
    )
    session.add(absence)
    await session.flush()
    return absence


async def bearer(session: AsyncSession, runtime: Runtime, user: User) -> dict[str, str]:
    """Headers of a signed-in user: an access token of a new sign-in (token family)."""
    family_id = await sessions.open_family(session, user.id)
    await session.commit()
    token, _ = runtime.tokens.issue(
        user_id=user.id,
        org_id=user.org_id,
        role=user.role,
        kind=TokenKind.ACCESS,
        family_id=family_id,
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Tenant:
    """An organization with one user of each role, a team, two shift types (07-15 and a
    night 23-07) and three analysts (the first a screener, the last linked to the
    analyst user)."""

    org: Organization
    team: Team
    users: dict[Role, User]
    headers: dict[Role, dict[str, str]]
    analysts: list[Analyst] = field(default_factory=list)
    shift_types: list[ShiftType] = field(default_factory=list)

    @property
    def admin(self) -> dict[str, str]:
        return self.headers[Role.ADMIN]

    @property
    def manager(self) -> dict[str, str]:
        return self.headers[Role.MANAGER]

    @property
    def analyst(self) -> dict[str, str]:
        return self.headers[Role.ANALYST]

    @property
    def viewer(self) -> dict[str, str]:
        return self.headers[Role.VIEWER]


async def make_tenant(
    session: AsyncSession, runtime: Runtime, *, superuser: bool = False
) -> Tenant:
    org = await make_org(session)
    team = await make_team(session, org, code="LDN")
    users = {role: await make_user(session, runtime, org, role) for role in Role}
    if superuser:
        users[Role.ADMIN].is_superuser = True
    analysts = [
        await make_analyst(session, team, skills=["screener"]),
        await make_analyst(session, team),
        await make_analyst(session, team, user=users[Role.ANALYST]),
    ]
    shift_types = [
        await make_shift_type(session, team, name="MORNING", start=time(7), end=time(15)),
        await make_shift_type(session, team, name="NIGHT", start=time(23), end=time(7)),
    ]
    await session.commit()
    return Tenant(
        org=org,
        team=team,
        users=users,
        headers={role: await bearer(session, runtime, user) for role, user in users.items()},
        analysts=analysts,
        shift_types=shift_types,
    )
