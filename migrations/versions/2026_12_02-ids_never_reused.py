"""ids never reused: SQLite tables keyed by an integer id get AUTOINCREMENT

Without it SQLite gives a new row max(id) + 1, so deleting the newest row hands its id to
the next one, which then inherits whatever still names the old id (a user's audit trail
and failed logins, an assignment's id and version held by a client). SQLite cannot add
AUTOINCREMENT to a table, so each one is rebuilt (batch mode: copy, drop, rename) with all
its rows, columns, indexes, constraints and foreign keys; the rebuild loses triggers, so
each table's are put back. migrations/env.py keeps foreign keys off while tables are
rebuilt and checks them before commit.

Rows deleted before this upgrade leave no trace in the table itself; where the audit trail
or the outbox still names such an id, the table's sequence starts above it, so it is not
handed out again either.

PostgreSQL is untouched: its ids come from sequences (BIGSERIAL), which never give a value
twice.

Revision ID: c1d2e3f4a5b6
Revises: 83716caa6f07
Create Date: 2026-12-02 12:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c1d2e3f4a5b6"
down_revision: str | None = "83716caa6f07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose primary key is one integer column of its own, in creation order.
TABLES = [
    "organizations",
    "outbox_events",
    "teams",
    "users",
    "analysts",
    "holidays",
    "shift_types",
    "absences",
    "assignments",
    "blackout_dates",
    "audit_logs",
    "api_keys",
    "generation_jobs",
    "coverage_requirements",
    "shift_requests",
]

# The resource type under which domain events and audit entries name a table's rows
# (`resource_type`, `resource_id`).
NAMED_AS = {
    "organizations": "organization",
    "teams": "team",
    "users": "user",
    "analysts": "analyst",
    "holidays": "holiday",
    "shift_types": "shift_type",
    "absences": "absence",
    "assignments": "schedule",
    "blackout_dates": "blackout_date",
    "api_keys": "api_key",
    "coverage_requirements": "coverage_requirement",
    "shift_requests": "shift_request",
}


def upgrade() -> None:
    if not _rebuilding_sqlite():
        return
    for table in TABLES:
        _rebuild(table, autoincrement=True)
    for table, resource_type in NAMED_AS.items():
        _retire_named_ids(table, resource_type)


def downgrade() -> None:
    if not _rebuilding_sqlite():
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)


def _rebuilding_sqlite() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    # Dropping a table while foreign keys are enforced deletes every row that refers to it
    # (ON DELETE CASCADE): refuse rather than lose data.
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "foreign keys must be off while tables are rebuilt; "
            "run migrations through `shiftplanner db upgrade` (migrations/env.py)"
        )
    return True


def _rebuild(table: str, *, autoincrement: bool) -> None:
    triggers = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        )
        .scalars()
        .all()
    )
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
    for trigger in triggers:
        op.get_bind().exec_driver_sql(trigger)


def _retire_named_ids(table: str, resource_type: str) -> None:
    """Start the table's sequence above the highest id the audit trail or the outbox
    names for it, so that a row deleted before this upgrade does not give its id (and its
    history) to the next one."""
    bind = op.get_bind()
    named = [
        bind.exec_driver_sql(query, (resource_type,)).scalar()
        for query in (
            "SELECT max(resource_id) FROM audit_logs WHERE resource_type = ?",
            "SELECT max(resource_id) FROM outbox_events WHERE resource_type = ?",
        )
    ]
    if table == "users":
        named += [
            bind.exec_driver_sql(query).scalar()
            for query in (
                "SELECT max(actor_user_id) FROM audit_logs",
                "SELECT max(actor_user_id) FROM outbox_events",
            )
        ]
    highest = max(id_ or 0 for id_ in named)
    current = bind.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
    ).scalar()
    # A sequence only ever goes up; the copy has already set it to the table's highest id.
    if current is None and highest > 0:
        bind.exec_driver_sql(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest)
        )
    elif current is not None and current < highest:
        bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (highest, table))
