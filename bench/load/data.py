"""The load tests' data at the product documents' scale: 50 organizations and 1,000,000
assignments by default, through the migrations, then loaded in bulk: PostgreSQL's COPY
for the assignments, SQLite's executemany in one transaction with syncing off.

Every organization has three teams (London, New York, Singapore) of 14 analysts and
three shift types, nine analysts on shift a day per team, about two years of schedule
around today; an admin, a manager, a viewer and an analyst user who sign in with
`PASSWORD`; and a data version, so its reads are cached like any organization's that
has seen a change.

    python -m bench.load.data DATABASE_URL [--organizations 50] [--assignments 1000000]
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import asyncpg
import typer
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlalchemy import Table, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shiftplanner.config import Settings
from shiftplanner.kit.time import WEEKDAYS
from shiftplanner.models import (
    Analyst,
    Assignment,
    DataVersion,
    Organization,
    Role,
    ShiftType,
    Team,
    User,
)
from shiftplanner.security.passwords import Passwords
from tests.databases import migrate

PASSWORD = "load test passphrase 2026"  # noqa: S105 - the generated users', for the load tests
TEAMS: tuple[tuple[str, str, str], ...] = (
    ("London", "LDN", "Europe/London"),
    ("New York", "NYC", "America/New_York"),
    ("Singapore", "SGP", "Asia/Singapore"),
)
SHIFTS: tuple[tuple[str, time, time], ...] = (
    ("MORNING", time(7), time(15)),
    ("EVENING", time(15), time(23)),
    ("NIGHT", time(23), time(7)),
)
ANALYSTS_PER_TEAM = 14
ON_SHIFT = 3  # analysts per shift type and day
CHUNK = 50_000


@dataclass(frozen=True, slots=True)
class Scale:
    organizations: int = 50
    assignments: int = 1_000_000

    @property
    def days(self) -> int:
        return max(1, self.assignments // self.per_day)

    @property
    def per_day(self) -> int:
        return self.organizations * len(TEAMS) * len(SHIFTS) * ON_SHIFT

    @property
    def total_assignments(self) -> int:
        return self.days * self.per_day


@dataclass(frozen=True, slots=True)
class Dataset:
    """What the load tests need to know of the data."""

    organizations: int
    first_day: date
    last_day: date

    @staticmethod
    def email(org: int, role: Role) -> str:
        return f"{role.value}@org{org}.bench.example.com"


Advance = Callable[[str, int], None]


def _row(table: Table, values: dict[str, Any]) -> tuple[Any, ...]:
    """Every column but the id, with the model's defaults for those not given."""
    row = []
    for column in table.columns:
        if column.name == "id":
            continue
        if column.name in values:
            row.append(values[column.name])
        elif column.default is not None and column.default.is_callable:
            row.append(column.default.arg(None))  # type: ignore[attr-defined]
        elif column.default is not None:
            row.append(column.default.arg)  # type: ignore[attr-defined]
        else:
            row.append(None)
    return tuple(row)


async def generate(database_url: str, scale: Scale, progress: Advance) -> Dataset:
    """Build the database (migrated, empty) and fill it; bounded by `scale`."""
    await migrate(database_url)
    password_hash = await Passwords(Settings(_env_file=None)).hash(PASSWORD)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=scale.days * 3 // 4)
    dataset = Dataset(scale.organizations, first, first + timedelta(days=scale.days - 1))
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            for org in range(1, scale.organizations + 1):
                await _organization(connection, org, password_hash)
                progress("organizations", 1)
            if connection.dialect.name == "postgresql":
                # The ids were given: the sequences must hand out the next ones.
                for name in ("organizations", "teams", "shift_types", "analysts", "users"):
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
    finally:
        await engine.dispose()
    rows = _assignments(dataset)
    if make_url(database_url).get_backend_name() == "postgresql":
        await _copy(database_url, rows, progress)
    else:
        await asyncio.to_thread(_executemany, database_url, rows, progress)
    return dataset


async def _organization(connection: Any, org: int, password_hash: str) -> None:
    """One organization, its teams, shift types, analysts, users and data version. Ids
    are laid out so that assignments can be computed without reading anything back."""
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    await connection.execute(
        insert(Organization),
        [
            {
                "id": org,
                "name": f"Bench Org {org}",
                "slug": f"bench-org-{org}",
                "timezone": "UTC",
                **stamps,
            }
        ],
    )
    teams: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    analysts: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    for t, (name, code, zone) in enumerate(TEAMS):
        team_id = _team_id(org, t)
        teams.append(
            {"id": team_id, "org_id": org, "name": name, "code": code, "timezone": zone, **stamps}
        )
        for s, (shift, start, end) in enumerate(SHIFTS):
            shifts.append(
                {
                    "id": _shift_id(org, t, s),
                    "org_id": org,
                    "team_id": team_id,
                    "name": shift,
                    "start_time": start,
                    "end_time": end,
                    "days_of_week": [d.value for d in WEEKDAYS],
                    "required_headcount": ON_SHIFT,
                    "is_night": end < start,
                    **stamps,
                }
            )
        for a in range(ANALYSTS_PER_TEAM):
            analysts.append(
                {
                    "id": _analyst_id(org, t, a),
                    "org_id": org,
                    "team_id": team_id,
                    "name": f"Analyst {code}-{a + 1}",
                    "email": f"{code.lower()}{a + 1}@org{org}.bench.example.com",
                    "skills": ["screener"] if a % 3 == 0 else [],
                    "user_id": None,
                    **stamps,
                }
            )
    for r, role in enumerate(Role):
        users.append(
            {
                "id": (org - 1) * len(Role) + r + 1,
                "org_id": org,
                "email": Dataset.email(org, role),
                "full_name": f"{role.value.title()} of org {org}",
                "password_hash": password_hash,
                "role": role,
                **stamps,
            }
        )
    await connection.execute(insert(Team), teams)
    await connection.execute(insert(ShiftType), shifts)
    await connection.execute(insert(User), users)
    # The analyst user is the first analyst of the first team.
    analysts[0]["user_id"] = users[list(Role).index(Role.ANALYST)]["id"]
    await connection.execute(insert(Analyst), analysts)
    await connection.execute(
        insert(DataVersion), [{"org_id": org, "version": 1, "epoch": uuid.uuid4().hex}]
    )


def _team_id(org: int, team: int) -> int:
    return (org - 1) * len(TEAMS) + team + 1


def _shift_id(org: int, team: int, shift: int) -> int:
    return (_team_id(org, team) - 1) * len(SHIFTS) + shift + 1


def _analyst_id(org: int, team: int, analyst: int) -> int:
    return (_team_id(org, team) - 1) * ANALYSTS_PER_TEAM + analyst + 1


def _assignments(dataset: Dataset) -> Iterator[tuple[Any, ...]]:
    """Nine analysts of each team on shift each day, each on one shift, by rotation."""
    table: Table = Assignment.__table__  # type: ignore[assignment]
    now = datetime.now(UTC)
    rng = random.Random(7)
    days = (dataset.last_day - dataset.first_day).days + 1
    for org in range(1, dataset.organizations + 1):
        for team in range(len(TEAMS)):
            for offset in range(days):
                day = dataset.first_day + timedelta(days=offset)
                for s in range(len(SHIFTS)):
                    for k in range(ON_SHIFT):
                        a = (offset + s * ON_SHIFT + k) % ANALYSTS_PER_TEAM
                        yield _row(
                            table,
                            {
                                "org_id": org,
                                "analyst_id": _analyst_id(org, team, a),
                                "shift_type_id": _shift_id(org, team, s),
                                "date": day,
                                "is_screener": k == 0 and a % 3 == 0,
                                "source": "generated",
                                "note": "" if rng.random() > 0.05 else "swap agreed",
                                "created_at": now,
                                "updated_at": now,
                            },
                        )


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _columns() -> Sequence[str]:
    return [c.name for c in Assignment.__table__.columns if c.name != "id"]


async def _copy(database_url: str, rows: Iterator[tuple[Any, ...]], progress: Advance) -> None:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        for chunk in _chunks(rows):
            await connection.copy_records_to_table("assignments", records=chunk, columns=_columns())
            progress("assignments", len(chunk))
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _executemany(database_url: str, rows: Iterator[tuple[Any, ...]], progress: Advance) -> None:
    path = make_url(database_url).database
    assert path is not None
    columns = _columns()
    statement = (
        f"INSERT INTO assignments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA synchronous=OFF")
        for chunk in _chunks(rows):
            connection.executemany(statement, [_sqlite(row) for row in chunk])
            progress("assignments", len(chunk))
        connection.execute("ANALYZE")


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Values as SQLAlchemy stores them on SQLite: naive UTC times, ISO dates."""
    return tuple(
        value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        if isinstance(value, datetime)
        else value.isoformat()
        if isinstance(value, date)
        else value
        for value in row
    )


def main(
    database_url: Annotated[
        str,
        typer.Argument(help="An empty database (sqlite+aiosqlite:///… or postgresql+asyncpg://…)."),
    ],
    organizations: Annotated[int, typer.Option(min=1, help="How many organizations.")] = 50,
    assignments: Annotated[
        int, typer.Option(min=1, help="About how many assignments.")
    ] = 1_000_000,
) -> None:
    """Fill an empty database with the load tests' data."""
    scale = Scale(organizations, assignments)
    dataset = asyncio.run(generate_with_progress(database_url, scale))
    typer.echo(
        f"{dataset.organizations} organizations, {dataset.first_day} to {dataset.last_day}; "
        f"users sign in as e.g. {Dataset.email(1, Role.MANAGER)} with the password in "
        "bench/load/data.py"
    )


async def generate_with_progress(database_url: str, scale: Scale) -> Dataset:
    columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        tasks = {
            "organizations": progress.add_task("organizations", total=scale.organizations),
            "assignments": progress.add_task("assignments", total=scale.total_assignments),
        }
        return await generate(
            database_url, scale, lambda what, done: progress.advance(tasks[what], done)
        )


if __name__ == "__main__":
    typer.run(main)
