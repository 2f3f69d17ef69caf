"""The `shiftplanner` command as a newcomer runs it, in a process of its own: migrate,
seed the demo, create a user, serve."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory

from shiftplanner.kit.urls import redact_url
from tests.databases import alembic_config
from tests.subprocesses import command_env, run, serving


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_upgrade_demo_and_user_creation(empty_database: str, data_dir: Path) -> None:
    head = ScriptDirectory.from_config(alembic_config(empty_database)).get_current_head()
    assert head is not None
    first = run(empty_database, data_dir, "db", "upgrade", "4f7b5a48f81c")  # the first one
    assert first.returncode == 0, first.stderr
    assert (
        "Migrated the database from no revision (an empty database) to revision 4f7b5a48f81c (initial schema)."
        in first.stdout
    )
    upgraded = run(empty_database, data_dir, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (
        "Migrated the database from revision 4f7b5a48f81c (initial schema) to revision " + head
        in upgraded.stdout
    )
    assert "(the latest)." in upgraded.stdout
    again = run(empty_database, data_dir, "db", "upgrade")
    assert f"The database is already at revision {head} " in again.stdout
    assert "nothing to migrate" in again.stdout

    seeded = run(empty_database, data_dir, "demo", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    assert "admin@example.com" in seeded.stdout
    assert "shown once" in seeded.stdout
    assert "1 organization, 3 teams, 12 shift types, 12 analysts," in seeded.stdout
    assert "1 blackout date," in seeded.stdout
    again = run(empty_database, data_dir, "demo", "--if-empty")
    assert again.returncode == 0
    assert "already has data" in again.stdout
    assert "shown once" not in again.stdout

    created = run(
        empty_database, data_dir, "users", "create", "lead@example.com", "--org", "demo", "--role", "manager",
        "--password", "a long enough password",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    assert "lead@example.com (manager)" in created.stdout
    duplicate = run(
        empty_database, data_dir, "users", "create", "LEAD@example.com", "--org", "demo", "--password", "another long password",
    )  # fmt: skip
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stdout
    unknown_org = run(
        empty_database,
        data_dir,
        "users",
        "create",
        "x@example.com",
        "--org",
        "nope",
        "--password",
        "p" * 20,
    )
    assert unknown_org.returncode == 1


def test_serve_bootstraps_an_admin_and_answers_logging_json_lines(
    empty_database: str, data_dir: Path
) -> None:
    assert run(empty_database, data_dir, "db", "upgrade").returncode == 0
    env = command_env(
        empty_database,
        data_dir,
        SHIFTPLANNER_ADMIN_EMAIL="ops@example.com",
        SHIFTPLANNER_ADMIN_PASSWORD="an operator password",
        SHIFTPLANNER_LOG_JSON="true",
    )
    with serving(env) as server:
        login = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": "ops@example.com", "password": "an operator password"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        docs = httpx.get(f"{server.url}/docs", timeout=5)
        assert docs.status_code == 200
    assert "ops@example.com" in server.stdout
    assert f"with the database {redact_url(empty_database)}" in server.stdout
    # Every log line is JSON, uvicorn's own too.
    lines = [json.loads(line) for line in server.stderr.splitlines()]
    events = {(line["logger"], line["event"]) for line in lines}
    assert ("uvicorn.error", "Application startup complete.") in events, server.stderr
    assert ("shiftplanner.access", "request") in events
