"""End to end: the pages in Debian's Chromium (Playwright for Python; its own browser
download fails here) against `shiftplanner serve` on SQLite and on PostgreSQL, seeded with
the demo organization, every background worker running as in production.

One server per backend per test process: tests keep out of each other's way by working
on their own analysts, days or teams (see `Site.api`)."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.conftest import BACKENDS, REQUIRE_SERVICES, service_unavailable
from tests.databases import ROOT, create_postgres_database, drop_postgres_database
from tests.subprocesses import FAST_HASHING, command_env, run, serving

CHROMIUM = Path("/usr/bin/chromium")
# Another build than the checkout's, to try a change without rebuilding web/dist.
OTHER_BUILD = os.environ.get("SHIFTPLANNER_WEB_DIST_DIR")
BUILD = Path(OTHER_BUILD or ROOT / "web" / "dist") / "index.html"
# Kept after the run, to be looked at: web/screenshots/<backend>/<test>-<name>.png.
SCREENSHOTS = ROOT / "web" / "screenshots"
ADMIN_EMAIL = "admin@example.com"
LEAD_EMAIL = "lead@demo.example.com"
ANALYST_EMAIL = "alice.moreau@demo.example.com"
PASSWORD = "browser-tests-password-0123"
# Background work as in production, but quick: the live stream and notifications follow
# a change within a fraction of a second, the solver gets one process.
ACCOUNTS_ENV = {
    "SHIFTPLANNER_ADMIN_PASSWORD": PASSWORD,
    "SHIFTPLANNER_DEMO_PASSWORD": PASSWORD,
}
SERVER_ENV = {
    **FAST_HASHING,
    **ACCOUNTS_ENV,
    "SHIFTPLANNER_RATE_LIMIT_READ": "100000/15minutes",
    "SHIFTPLANNER_RATE_LIMIT_WRITE": "100000/15minutes",
    "SHIFTPLANNER_RATE_LIMIT_LOGIN": "100000/15minutes",
    "SHIFTPLANNER_RATE_LIMIT_REFRESH": "100000/15minutes",
    "SHIFTPLANNER_LOGIN_ADDRESS_ATTEMPTS": "100000",
    "SHIFTPLANNER_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "SHIFTPLANNER_SOLVER_WORKERS": "1",
    "SHIFTPLANNER_LOG_LEVEL": "warning",
    **({"SHIFTPLANNER_WEB_DIST_DIR": OTHER_BUILD} if OTHER_BUILD else {}),
}
# Chromium reports a refused request (a 409, a 404) as a console error; that is the
# pages' business. What fails a test: an uncaught error, a CSP violation.
IGNORED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of")


def _in_thread(coroutine: Any) -> Any:
    """Run a coroutine on a loop of its own thread: the test process's loop stays untouched."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass
class Site:
    """A running server with the demo organization."""

    url: str
    backend: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, email: str, password: str = PASSWORD) -> str:
        if email not in self.tokens:
            answer = httpx.post(
                f"{self.url}/api/auth/login", json={"email": email, "password": password}
            )
            answer.raise_for_status()
            self.tokens[email] = answer.json()["access_token"]
        return self.tokens[email]

    def api(self, email: str = ADMIN_EMAIL) -> httpx.Client:
        """An API client signed in as `email` (the admin by default), for arranging and
        checking what a test does in the browser."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token(email)}"},
            timeout=30,
        )

    def create(self, path: str, body: dict[str, Any], *, email: str = ADMIN_EMAIL) -> Any:
        """POST `body` to `path` as `email` (the admin by default); what it created."""
        with self.api(email) as api:
            answer = api.post(path, json=body)
            answer.raise_for_status()
            return answer.json()

    def new_team(self, name: str, *, timezone: str = "Europe/London") -> dict[str, Any]:
        """A team of the test's own (`name` and a code made unique), so that nothing
        another test does touches it; its `tag` names its analysts uniquely too."""
        tag = uuid.uuid4().hex[:6]
        team: dict[str, Any] = self.create(
            "/api/teams", {"name": f"{name} {tag}", "code": f"{name[0]}{tag}", "timezone": timezone}
        )
        return {**team, "tag": tag}

    def new_analyst(self, team: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
        """An analyst of `team` named `name` and the team's tag (unique email too)."""
        tag = team["tag"]
        body = {
            "name": f"{name} {tag}",
            "email": f"{name.lower().replace(' ', '.')}-{tag}@demo.example.com",
            "team_id": team["id"],
            **fields,
        }
        analyst: dict[str, Any] = self.create("/api/analysts", body)
        return analyst

    def new_user(self, role: str, *, analyst_id: int | None = None) -> str:
        """A new account of `role` in the demo organization (linked to `analyst_id`),
        signing in with PASSWORD; its email."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@demo.example.com"
        with self.api() as api:
            user = api.post(
                "/api/users",
                json={
                    "email": email,
                    "full_name": f"Test {role}",
                    "role": role,
                    "password": PASSWORD,
                },
            )
            user.raise_for_status()
            if analyst_id is not None:
                api.patch(
                    f"/api/analysts/{analyst_id}", json={"user_id": user.json()["id"]}
                ).raise_for_status()
        return email


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " — SHIFTPLANNER_REQUIRE_SERVICES=1 makes this a failure")
        pytest.skip(message)
    if not BUILD.exists():
        message = f"The pages are not built ({BUILD} is missing): `make test` builds them"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


# Per module, not per session: while Playwright's sync driver is open its event loop
# counts as running in this thread, and an async test of another module (in the same
# test process) could not start its own. Modules run their tests together.
@pytest.fixture(scope="module")
def playwright(chromium: Path) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: Path) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(chromium))
    yield launched
    launched.close()


@pytest.fixture(scope="session", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    backend: str = request.param
    data_dir = tmp_path_factory.mktemp(f"web-{backend}")
    pg_name = f"shiftplanner_web_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        database_url = f"sqlite+aiosqlite:///{data_dir / 'web.db'}"
    else:
        try:
            database_url = _in_thread(create_postgres_database(pg_name))
        except OSError as error:
            service_unavailable("PostgreSQL", error)
    try:
        for command in (("db", "upgrade"), ("demo",)):
            done = run(database_url, data_dir, *command, env=ACCOUNTS_ENV)
            assert done.returncode == 0, done.stdout + done.stderr
        with serving(command_env(database_url, data_dir, **SERVER_ENV)) as server:
            yield Site(url=server.url, backend=backend)
    finally:
        if backend == "postgresql":
            _in_thread(drop_postgres_database(pg_name))


@dataclass
class Screenshots:
    directory: Path
    prefix: str

    def __call__(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        path = self.directory / f"{self.prefix}-{name}.png"
        page.screenshot(path=path, full_page=full_page)
        return path


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, site: Site) -> Screenshots:
    """`screenshot(page, "name")` keeps a picture of the page in web/screenshots/."""
    directory = SCREENSHOTS / site.backend
    directory.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.split("[")[0].removeprefix("test_")
    return Screenshots(directory, test_name)


class PageErrors:
    """What went wrong inside a page: uncaught errors and console errors (CSP violations
    among them), apart from the refusals a page is meant to handle."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("console", self._console)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not IGNORED_CONSOLE.search(message.text):
            self.errors.append(f"console: {message.text}")


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    errors = PageErrors()
    yield errors
    assert errors.errors == [], "the page reported errors:\n" + "\n".join(errors.errors)


@pytest.fixture
def new_page(browser: Browser, site: Site, page_errors: PageErrors) -> Iterator[Any]:
    """`new_page(width=1280)`: a page in a browser context of its own (its own storage: a
    second context is a second person), watched for errors; closed after the test."""
    contexts = []

    def make(*, width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(
            base_url=site.url,
            viewport={"width": width, "height": height},
            timezone_id="Europe/London",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return page_errors.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, email: str, password: str = PASSWORD, *, path: str = "/") -> None:
    """Sign in through the sign-in form and wait for the app's navigation."""
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").wait_for()
