"""A URL printed at start-up or in the security settings names its server and account,
never its password."""

from __future__ import annotations

from shiftplanner.kit.urls import redact_url


def test_a_printed_url_never_shows_its_password() -> None:
    url = "postgresql+asyncpg://shiftplanner:s3cret@db.internal:5432/shiftplanner"
    assert redact_url(url) == "postgresql+asyncpg://shiftplanner:***@db.internal:5432/shiftplanner"
    assert redact_url("redis://:hunter2@cache/0") == "redis://:***@cache/0"
    assert redact_url("sqlite+aiosqlite:///./data/shiftplanner.db") == (
        "sqlite+aiosqlite:///./data/shiftplanner.db"
    )
