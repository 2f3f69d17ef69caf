"""The alerting walk, measured on the running service under real load, on SQLite and
PostgreSQL: what the alerting issue's "done when" asks, with its timings.

For each backend: the demo database; the service (`shiftplanner serve`) with SMTP pointed
at a local aiosmtpd server and a local HTTP receiver standing in for Slack; through the
API, the operator creates an email and a Slack channel, an escalation policy that pages
whoever is on shift now in the first team (in-app), and a rule `requestRate > 300` per
minute over 1 minute for 1 minute. A load loop (bounded in requests and time) then reads
the API at about 20 requests a second until the alert fires; the bench watches the rule
go pending and firing, waits for the email and the Slack post, signs in as the on-shift
analyst, finds the alert in their feed and acknowledges it, stops the load and waits for
the alert to resolve.

The table gives each stage's time from the load's start, and the latency the issue sets
a goal for: from the evaluation round that saw the condition held for `durationMinutes`
(the `firing` entry of the alert's history) to the first notification leaving (the first
delivery's `sent_at`) and to the Slack post arriving. The evaluator runs every
`BENCH_ALERT_INTERVAL` seconds (5 here; 15 by default), which only changes how long the
walk waits, not that latency."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.load import servers
from bench.load.hot_path import database
from bench.load.results import write_report
from tests.receivers import SmtpServer

RULE_THRESHOLD = 300  # requests per minute
LOAD_PER_SECOND = 20
MAX_LOAD_REQUESTS = 20_000
MAX_WALK_SECONDS = 420
ANALYST_PASSWORD = "on shift bench passphrase 2026"  # noqa: S105 - a generated user's


def interval() -> float:
    return float(os.environ.get("BENCH_ALERT_INTERVAL", "5"))


@dataclass
class Posts:
    """What the local HTTP receiver got, with the wall time each arrived."""

    received: list[tuple[float, str, bytes]] = field(default_factory=list)  # (at, path, body)


def _post_handler(posts: Posts) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posts.received.append((time.time(), self.path, body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    return Handler


@contextmanager
def peers() -> Iterator[tuple[SmtpServer, Posts, int]]:
    """A local SMTP server and a local HTTP receiver (Slack's stand-in, on this port)."""
    smtp, posts = SmtpServer(), Posts()
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _post_handler(posts))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield smtp, posts, int(http.server_address[1])
    finally:
        http.shutdown()
        smtp.stop()


class Load:
    """GETs of the API at a steady rate in a thread, bounded in count and time."""

    def __init__(self, url: str, authorization: str) -> None:
        self._url, self._authorization = url, authorization
        self._stop = threading.Event()
        self.sent = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_WALK_SECONDS
        with httpx.Client(base_url=self._url, headers={"Authorization": self._authorization}) as c:
            while not self._stop.is_set() and self.sent < MAX_LOAD_REQUESTS:
                if time.monotonic() > deadline:
                    return
                c.get("/api/teams")
                self.sent += 1
                self._stop.wait(1 / LOAD_PER_SECOND)


def _wait(what: str, check: Callable[[], Any], *, seconds: float = MAX_WALK_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


@dataclass
class Walk:
    backend: str
    stages: dict[str, float] = field(default_factory=dict)  # seconds from the load's start
    tick_to_first_delivery_ms: float | None = None
    tick_to_slack_ms: float | None = None
    notes: list[str] = field(default_factory=list)


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json() if response.content else None


def walk(backend: str, console: Console) -> Walk:
    result = Walk(backend)
    with (
        tempfile.TemporaryDirectory() as folder,
        database(backend, Path(folder)) as url,
        peers() as (smtp, posts, http_port),
    ):
        env = servers.service_env(
            url,
            Path(folder),
            SHIFTPLANNER_ENV="development",
            SHIFTPLANNER_ALERT_EVALUATION_INTERVAL_SECONDS=str(interval()),
            SHIFTPLANNER_SMTP_HOST="127.0.0.1",
            SHIFTPLANNER_SMTP_PORT=str(smtp.port),
            SHIFTPLANNER_SMTP_SECURITY="none",
            SHIFTPLANNER_CACHE_WARM_UP="false",
        )
        console.print(f"[bold]{backend}[/]: seeding the demo")
        servers.seed(env)
        with servers.service(env, Path(folder) / "service.log") as server:
            _walk(server.url, url, smtp, posts, http_port, result, console)
    return result


def _walk(
    url: str,
    database_url: str,
    smtp: SmtpServer,
    posts: Posts,
    http_port: int,
    result: Walk,
    console: Console,
) -> None:
    admin = {"Authorization": servers.sign_in(url)}
    api = httpx.Client(base_url=url, timeout=30)
    team = _ok(api.get("/api/teams", headers=admin))["items"][0]
    on_shift = _ok(api.get(f"/api/teams/{team['id']}/on-shift", headers=admin))["items"]
    if not on_shift:
        raise RuntimeError(f"nobody is on shift in {team['name']} now: the walk needs someone")
    analyst = on_shift[0]
    # The on-shift analyst signs in as a user of their own, to see the page in-app.
    analyst_email = f"oncall-{int(time.time())}@example.com"
    user = _ok(
        api.post(
            "/api/users",
            headers=admin,
            json={"email": analyst_email, "role": "analyst", "password": ANALYST_PASSWORD},
        )
    )
    _ok(
        api.patch(
            f"/api/analysts/{analyst['analyst_id']}", headers=admin, json={"user_id": user["id"]}
        )
    )
    email = _ok(
        api.post(
            "/monitoring/notification-channels",
            headers=admin,
            json={
                "name": "On-call mailbox",
                "type": "email",
                "config": {"to": ["oncall@example.com"]},
            },
        )
    )
    slack = _ok(
        api.post(
            "/monitoring/notification-channels",
            headers=admin,
            json={
                "name": "#soc-alerts",
                "type": "slack",
                "config": {"url": f"http://127.0.0.1:{http_port}/slack"},
            },
        )
    )
    policy = _ok(
        api.post(
            "/monitoring/escalation-policies",
            headers=admin,
            json={
                "name": f"Page {team['code']} on shift",
                "steps": [
                    {
                        "waitMinutes": 0,
                        "target": {"type": "on_shift", "teamId": team["id"]},
                        "via": ["in_app"],
                    }
                ],
            },
        )
    )
    rule = _ok(
        api.post(
            "/monitoring/alert-rules",
            headers=admin,
            json={
                "name": "Request surge",
                "type": "CUSTOM",
                "condition": {
                    "metric": "requestRate",
                    "operator": "gt",
                    "threshold": RULE_THRESHOLD,
                    "durationMinutes": 1,
                    "windowMinutes": 1,
                },
                "severity": "HIGH",
                "channelIds": [email["id"], slack["id"]],
                "escalationPolicyId": policy["id"],
            },
        )
    )
    console.print(f"  rule {rule['id']} created; load starts ({LOAD_PER_SECOND} req/s)")
    load = Load(url, admin["Authorization"])
    started = time.monotonic()
    load.start()

    def stage(name: str) -> None:
        result.stages[name] = time.monotonic() - started
        console.print(f"  {name} after {result.stages[name]:.0f} s")

    def rule_state() -> str | None:
        state: str | None = _ok(api.get(f"/monitoring/alert-rules/{rule['id']}", headers=admin))[
            "lastState"
        ]
        return state

    try:
        _wait("pending", lambda: rule_state() in ("pending", "firing"))
        stage("pending")
        _wait("firing", lambda: rule_state() == "firing")
        stage("firing")
        alert = _wait(
            "the firing alert",
            lambda: _ok(api.get("/monitoring/alerts", headers=admin, params={"status": "firing"}))[
                "items"
            ],
        )[0]
        _wait("the email", lambda: smtp.messages)
        stage("email received")
        _wait("the Slack post", lambda: posts.received)
        stage("Slack post received")
        analyst_headers = {"Authorization": _sign_in(api, analyst_email)}
        feed = _wait(
            "the on-shift analyst's in-app page",
            lambda: [
                n
                for n in _ok(api.get("/api/notifications", headers=analyst_headers))["items"]
                if n.get("alert_id") == alert["id"]
            ],
        )
        stage("in-app page seen by the on-shift analyst")
        result.notes.append(f"in-app: {feed[0]['title']}")
        _ok(api.post(f"/monitoring/alerts/{alert['id']}/acknowledge", headers=analyst_headers))
        stage("acknowledged by the analyst")
    finally:
        load.stop()
    stage("load stopped")
    _wait(
        "resolved",
        lambda: (
            _ok(api.get(f"/monitoring/alerts/{alert['id']}", headers=admin))["status"] == "resolved"
        ),
    )
    stage("resolved")
    fired_at, first_sent = asyncio.run(_delivery_times(database_url, alert["id"]))
    result.tick_to_first_delivery_ms = (first_sent - fired_at).total_seconds() * 1000
    result.tick_to_slack_ms = (posts.received[0][0] - fired_at.timestamp()) * 1000
    result.notes.append(f"email subject: {smtp.messages[0][1]['Subject']}")
    result.notes.append(f"{load.sent} load requests")


def _sign_in(api: httpx.Client, email: str) -> str:
    body = _ok(api.post("/api/auth/login", json={"email": email, "password": ANALYST_PASSWORD}))
    return f"Bearer {body['access_token']}"


async def _delivery_times(database_url: str, alert_id: int) -> tuple[datetime, datetime]:
    """When the evaluation round that fired the alert began (its history's `firing` entry)
    and when the first of its notifications left."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            fired = await connection.scalar(
                text("SELECT min(at) FROM alert_events WHERE alert_id = :id AND kind = 'firing'"),
                {"id": alert_id},
            )
            sent = await connection.scalar(
                text(
                    "SELECT min(sent_at) FROM notification_deliveries "
                    "WHERE alert_id = :id AND channel_type <> 'in_app' AND sent_at IS NOT NULL"
                ),
                {"id": alert_id},
            )
    finally:
        await engine.dispose()
    return _aware(fired), _aware(sent)


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text
    assert isinstance(moment, datetime), value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def run(console: Console) -> None:
    walks = [walk(backend, console) for backend in ("sqlite", "postgresql")]
    stages = list(walks[0].stages)
    table = Table(title=f"Alerting walk (evaluation every {interval():g} s, real load)")
    table.add_column("stage")
    for item in walks:
        table.add_column(f"{item.backend} (s from load start)", justify="right")
    for name in stages:
        table.add_row(name, *(f"{w.stages.get(name, float('nan')):.0f}" for w in walks))
    table.add_row(
        "evaluation round → first notification sent (ms)",
        *(f"{w.tick_to_first_delivery_ms:.0f}" for w in walks),
    )
    table.add_row(
        "evaluation round → Slack post received (ms)",
        *(f"{w.tick_to_slack_ms:.0f}" for w in walks),
    )
    console.print(table)
    for item in walks:
        for note in item.notes:
            console.print(f"  {item.backend}: {note}")
    write_report("alerting", table)
