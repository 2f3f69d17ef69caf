"""The `shiftplanner` command as a newcomer runs it, in a process of its own: migrate,
seed the demo, create a user, serve."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.subprocesses import command_env, run, serving


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_upgrade_demo_and_user_creation(empty_database: str, data_dir: Path) -> None:
    upgraded = run(empty_database, data_dir, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    seeded = run(empty_database, data_dir, "demo", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    assert "admin@example.com" in seeded.stdout
    assert "shown once" in seeded.stdout
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


def test_serve_bootstraps_an_admin_and_answers(empty_database: str, data_dir: Path) -> None:
    assert run(empty_database, data_dir, "db", "upgrade").returncode == 0
    env = command_env(
        empty_database,
        data_dir,
        SHIFTPLANNER_ADMIN_EMAIL="ops@example.com",
        SHIFTPLANNER_ADMIN_PASSWORD="an operator password",
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
    assert "ops@example.com" in server.output
