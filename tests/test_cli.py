"""The `shiftplanner` command as a newcomer runs it, in a process of its own: migrate,
seed the demo, create a user, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.databases import ROOT

COMMAND = [sys.executable, "-m", "shiftplanner.cli"]


def run(
    database_url: str, data_dir: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")},
        "SHIFTPLANNER_DATABASE_URL": database_url,
        "SHIFTPLANNER_DATA_DIR": str(data_dir),
        "SHIFTPLANNER_PASSWORD_HASH_MEMORY_KIB": "8",
        "SHIFTPLANNER_PASSWORD_HASH_TIME_COST": "1",
        "SHIFTPLANNER_PASSWORD_HASH_PARALLELISM": "1",
        "COLUMNS": "200",
    }
    return subprocess.run(  # noqa: S603 (our own command)
        [*COMMAND, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_bootstraps_an_admin_and_answers(empty_database: str, data_dir: Path) -> None:
    assert run(empty_database, data_dir, "db", "upgrade").returncode == 0
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")},
        "SHIFTPLANNER_DATABASE_URL": empty_database,
        "SHIFTPLANNER_DATA_DIR": str(data_dir),
        "SHIFTPLANNER_ADMIN_EMAIL": "ops@example.com",
        "SHIFTPLANNER_ADMIN_PASSWORD": "an operator password",
        "SHIFTPLANNER_PORT": str(port),
    }
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [*COMMAND, "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, "the server exited early"
                assert time.monotonic() < deadline, "the server did not answer within 30 s"
                time.sleep(0.2)
        assert health.status_code == 200
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/login",
            json={"email": "ops@example.com", "password": "an operator password"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        assert docs.status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    assert "ops@example.com" in output
