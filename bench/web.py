"""The pages, measured in Debian's Chromium (Playwright) on loopback, over the demo on
SQLite: what issue 20 asks to measure and note.

- **Bundle**: what each page loads, from Vite's manifest: raw and gzip bytes of the
  first page (the shell with the sign-in form, then the schedule a lead lands on) against
  the 200 KB gzip budget, and of every other page's own chunk.
- **First page**: a cold load of `/` (a new browser context each time: nothing cached)
  until the sign-in form shows, from the service and from a bare Starlette app serving
  the same files (`× bare` = ours ÷ bare; the service adds its middleware to each file).
- **Calendar**: a signed-in cold load of a team's week until the grid has rendered, and
  the grid's own render time (`performance.measure("calendar-render")`) for 50 analysts ×
  31 days in the month view, `BENCH_WEB_ROUNDS` (7) times each; medians."""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from bench.load import servers
from bench.load.results import write_report
from tests.subprocesses import free_port

DIST = servers.ROOT / "web" / "dist"
MANIFEST = DIST / ".vite" / "manifest.json"
CHROMIUM = "/usr/bin/chromium"
BUDGET_GZIP_BYTES = 200 * 1024
FIRST_PAGE_ROUTE = "src/pages/calendar/calendar-page.tsx"
ANALYSTS, DAYS = 50, 31


def rounds() -> int:
    return int(os.environ.get("BENCH_WEB_ROUNDS", "7"))


def _manifest() -> dict[str, dict[str, object]]:
    loaded: dict[str, dict[str, object]] = json.loads(MANIFEST.read_text())
    return loaded


def _files(manifest: dict[str, dict[str, object]], key: str, seen: set[str]) -> list[str]:
    """The files chunk `key` loads before it runs: itself, its CSS and its static imports."""
    if key in seen:
        return []
    seen.add(key)
    chunk = manifest[key]
    files = [str(chunk["file"]), *(str(css) for css in chunk.get("css", []))]  # type: ignore[attr-defined]
    for imported in chunk.get("imports", []):  # type: ignore[attr-defined]
        files += _files(manifest, str(imported), seen)
    return files


def _sizes(files: list[str]) -> tuple[int, int]:
    raw = [(DIST / name).read_bytes() for name in files]
    return sum(len(b) for b in raw), sum(len(gzip.compress(b, 9)) for b in raw)


def first_page_files() -> list[str]:
    """The shell (index.html's entry) and the schedule page a lead lands on after sign-in."""
    manifest = _manifest()
    seen: set[str] = set()
    return [
        "index.html",
        *_files(manifest, "index.html", seen),
        *_files(manifest, FIRST_PAGE_ROUTE, seen),
    ]


def bundle_table() -> Table:
    manifest = _manifest()
    table = Table(title="Bundle (what each page loads; gzip -9)")
    table.add_column("page")
    table.add_column("files", justify="right")
    table.add_column("raw KB", justify="right")
    table.add_column("gzip KB", justify="right")
    first = first_page_files()
    raw, packed = _sizes(first)
    table.add_row(
        f"first page: shell + schedule (budget {BUDGET_GZIP_BYTES // 1024} KB)",
        str(len(first)),
        f"{raw / 1024:.1f}",
        f"{packed / 1024:.1f}",
    )
    shell: set[str] = set()
    _files(manifest, "index.html", shell)
    for key, chunk in sorted(manifest.items()):
        if not chunk.get("isDynamicEntry"):
            continue
        own = _files(manifest, key, set(shell))
        raw, packed = _sizes(own)
        table.add_row(
            f"  {key.removeprefix('src/pages/')} (on demand)",
            str(len(own)),
            f"{raw / 1024:.1f}",
            f"{packed / 1024:.1f}",
        )
    return table


@contextmanager
def bare_pages(log: Path, *, headers: bool = False) -> Iterator[servers.Server]:
    port = free_port()
    target = "bench.web_bare:app_with_headers" if headers else "bench.web_bare:app"
    command = [sys.executable, "-m", "uvicorn", target, "--port", str(port)]
    command += [
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "BENCH_WEB_DIST": str(DIST)}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=servers.ROOT, env=env, stdout=output, stderr=output)  # noqa: S603
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(url + "/", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield servers.Server(url, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _cold_load(browser: Browser, url: str, ready: str) -> float:
    """Milliseconds from navigation start until `ready` (a selector) is visible, in a
    browser context of its own (an empty cache)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(ready, state="visible", timeout=30_000)
        return float(page.evaluate("performance.now()"))
    finally:
        context.close()


def _signed_in(
    browser: Browser, url: str, email: str, password: str
) -> tuple[Page, BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").wait_for()
    return page, context


def _render_ms(page: Page, path: str) -> float:
    """The grid's first render after a fresh load of `path` (later entries are the rows a
    live update changed). The page's CSP refuses eval, so no wait_for_function."""
    page.goto(path)
    page.locator("[data-assignment]").first.wait_for(timeout=60_000)
    durations: list[float] = page.evaluate(
        "performance.getEntriesByName('calendar-render').map((e) => e.duration)"
    )
    return durations[0]


def big_team(url: str, month_start: date) -> int:
    """A team of 50 analysts, one shift type a day, each analyst booked on most days of
    the month (five on, two off): the calendar's month view at its largest."""
    headers = {"Authorization": servers.sign_in(url)}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
        team = api.post(
            "/api/teams", json={"name": "Fifty", "code": "FIFTY", "timezone": "Europe/London"}
        )
        team.raise_for_status()
        team_id = int(team.json()["id"])
        shift = api.post(
            "/api/shift-types",
            json={
                "team_id": team_id,
                "name": "DAY",
                "start_time": "08:00:00",
                "end_time": "16:00:00",
                "days_of_week": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "required_headcount": 30,
            },
        )
        shift.raise_for_status()
        analyst_ids = []
        for number in range(ANALYSTS):
            made = api.post(
                "/api/analysts",
                json={
                    "name": f"Analyst {number:02d}",
                    "email": f"a{number}@fifty.example.com",
                    "team_id": team_id,
                },
            )
            made.raise_for_status()
            analyst_ids.append(int(made.json()["id"]))
        items = [
            {
                "analyst_id": analyst,
                "shift_type_id": shift.json()["id"],
                "date": (month_start + timedelta(days=day)).isoformat(),
            }
            for index, analyst in enumerate(analyst_ids)
            for day in range(DAYS)
            if (day + index) % 7 < 5
        ]
        for start in range(0, len(items), 1000):
            api.post(
                "/api/schedules/bulk", json={"items": items[start : start + 1000]}
            ).raise_for_status()
    return team_id


@dataclass
class Measures:
    ours: list[float]
    bare: list[float]
    bare_headers: list[float]
    week: list[float]
    month: list[float]
    rows: int


def measure(
    browser: Browser, service: str, bare: str, bare_headers: str, team_id: int, console: Console
) -> Measures:
    count = rounds()
    today = date.today()
    month_start = today.replace(day=1)
    form = "form[aria-labelledby=sign-in-title]"
    result = Measures([], [], [], [], [], 0)
    with Progress(
        *Progress.get_default_columns(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("Cold loads and renders", total=5 * count)
        for _ in range(count):
            result.ours.append(_cold_load(browser, service + "/", form))
            result.bare.append(_cold_load(browser, bare + "/", form))
            result.bare_headers.append(_cold_load(browser, bare_headers + "/", form))
            progress.advance(task, 3)
        page, context = _signed_in(browser, service, servers.ADMIN_EMAIL, servers.ADMIN_PASSWORD)
        try:
            for _ in range(count):
                result.week.append(_render_ms(page, f"{service}/calendar?view=week&date={today}"))
                month = f"{service}/calendar?team={team_id}&view=month&date={month_start}"
                result.month.append(_render_ms(page, month))
                progress.advance(task, 2)
            result.rows = page.locator("tbody tr").count()
        finally:
            context.close()
    return result


def run(console: Console) -> None:
    if not MANIFEST.exists():
        console.print("The pages are not built: `make bench` builds them (make web).")
        return
    bundle = bundle_table()
    console.print(bundle)
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        database_url = f"sqlite+aiosqlite:///{folder / 'web.db'}"
        env = servers.service_env(
            database_url, folder, SHIFTPLANNER_DEMO_PASSWORD=servers.ADMIN_PASSWORD
        )
        with console.status("Seeding the demo"):
            servers.seed(env)
        with (
            servers.service(env, folder / "service.log") as service,
            bare_pages(folder / "bare.log") as bare,
            bare_pages(folder / "bare-headers.log", headers=True) as bare_headers,
        ):
            with console.status("Waiting for the demo's events to be handed on"):
                servers.wait_until_quiet(database_url)
            with console.status(f"Making a team of {ANALYSTS} analysts × {DAYS} days"):
                team_id = big_team(service.url, date.today().replace(day=1))
            # Only now: while Playwright's sync driver runs, no other event loop may.
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM)
                try:
                    measures = measure(
                        browser, service.url, bare.url, bare_headers.url, team_id, console
                    )
                finally:
                    browser.close()
    count = rounds()
    first = Table(title=f"First page: cold load until the sign-in form shows (median of {count})")
    first.add_column("server")
    first.add_column("ms", justify="right")
    first.add_column("× bare", justify="right")
    ours, theirs = statistics.median(measures.ours), statistics.median(measures.bare)
    first.add_row("ShiftPlanner", f"{ours:.0f}", f"{ours / theirs:.2f}")
    first.add_row("bare Starlette static files", f"{theirs:.0f}", "1.00")
    headed = statistics.median(measures.bare_headers)
    first.add_row("the same with our pages' headers", f"{headed:.0f}", f"{headed / theirs:.2f}")
    calendar = Table(title=f"Calendar grid render (median of {count})")
    calendar.add_column("view")
    calendar.add_column("ms", justify="right")
    calendar.add_row(
        "demo team's week (5 analysts × 7 days)", f"{statistics.median(measures.week):.0f}"
    )
    calendar.add_row(
        f"{ANALYSTS} analysts × {DAYS} days (month view)",
        f"{statistics.median(measures.month):.0f}",
    )
    console.print(first)
    console.print(calendar)
    console.print(f"  the month view showed {measures.rows} table rows (analysts and coverage)")
    write_report("web", bundle, first, calendar)
