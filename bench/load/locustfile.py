"""The product documents' load scenarios as Locust users (run by `bench.load.scenarios`).

Each user belongs to one organization of the generated data (`bench.load.data`) and
signs in with the tokens in the plan file `BENCH_PLAN` (signing in 500 users would
measure argon2). `BENCH_WAIT` is a user's mean pause between actions in seconds (0: none,
a closed loop). Requests are named by their route, so the report groups them.

- BrowseUser: a viewer reads a team's week (this one or a near one), then the teams.
- FilterUser: a viewer filters a month by analyst or shift type, and lists absences.
- EditUser: a manager reads a week and edits an assignment's note (with its version).
- ApproveUser: a manager requests an absence for an analyst and approves it.
- GenerateUser: a manager has a week planned for their team and waits for the proposal.
- MixedUser: all of the above, weighted as a team's day is (mostly reading).
- BareUser: the bare FastAPI endpoint serving a week's body, for the ratio."""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
WAIT = float(os.environ.get("BENCH_WAIT", "0"))
USERS = itertools.count()
FREE_DAYS = itertools.count()  # absence days no other request of this run took
FAR_FUTURE = date(2031, 1, 1)
GENERATION_POLLS = 60  # at 0.5 s: a one-second solve ends well within


def pacing() -> Any:
    return between(WAIT / 2, WAIT * 3 / 2) if WAIT else constant(0)


class Member(FastHttpUser):
    """A user of one organization of the plan; each new one takes the next."""

    abstract = True
    wait_time = pacing()

    def on_start(self) -> None:
        self.number = next(USERS)
        organizations = PLAN["organizations"]
        self.org: dict[str, Any] = organizations[self.number % len(organizations)]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": self.org["tokens"][role]}

    def week(self) -> tuple[date, date]:
        monday = date.fromisoformat(PLAN["monday"]) + timedelta(weeks=random.randint(-1, 2))
        return monday, monday + timedelta(days=6)

    # The actions, shared by the scenarios.

    def browse(self) -> None:
        first, last = self.week()
        team = random.choice(self.org["teams"])
        self.client.get(
            f"/api/schedules?start={first}&end={last}&team_id={team}&limit=500",
            headers=self.headers("viewer"),
            name="GET /api/schedules (team week)",
        )
        self.client.get("/api/teams", headers=self.headers("viewer"), name="GET /api/teams")

    def filter(self) -> None:
        first, _ = self.week()
        last = first + timedelta(days=27)
        if random.random() < 0.5:
            which = f"analyst_id={random.choice(self.org['analysts'])}"
        else:
            which = f"shift_type_id={random.choice(self.org['shift_types'])}"
        self.client.get(
            f"/api/schedules?start={first}&end={last}&{which}&limit=500",
            headers=self.headers("viewer"),
            name="GET /api/schedules (filtered month)",
        )
        self.client.get(
            "/api/absences?status=approved&limit=100",
            headers=self.headers("viewer"),
            name="GET /api/absences",
        )

    def edit(self) -> None:
        first, last = self.week()
        team = random.choice(self.org["teams"])
        listed = self.client.get(
            f"/api/schedules?start={first}&end={last}&team_id={team}&limit=500",
            headers=self.headers("manager"),
            name="GET /api/schedules (team week)",
        )
        items = listed.json()["items"] if listed.status_code == 200 else []
        if not items:
            return
        chosen = random.choice(items)
        with self.client.patch(
            f"/api/schedules/{chosen['id']}",
            json={"note": f"swap agreed {random.randint(1, 999)}", "version": chosen["version"]},
            headers=self.headers("manager"),
            name="PATCH /api/schedules/{id}",
            catch_response=True,
        ) as response:
            # Another user edited it since it was read: the service said so, as it must.
            if response.status_code in (409, 412):
                response.success()

    def approve(self) -> None:
        day = FAR_FUTURE + timedelta(days=next(FREE_DAYS))
        requested = self.client.post(
            "/api/absences",
            json={
                "analyst_id": random.choice(self.org["analysts"]),
                "start_date": day.isoformat(),
                "end_date": day.isoformat(),
                "kind": "training",
            },
            headers=self.headers("manager"),
            name="POST /api/absences",
        )
        if requested.status_code != 201:
            return
        self.client.post(
            f"/api/absences/{requested.json()['id']}/approve",
            json={},
            headers=self.headers("manager"),
            name="POST /api/absences/{id}/approve",
        )

    def generate(self) -> None:
        team = self.org["teams"][self.number % len(self.org["teams"])]
        first = FAR_FUTURE + timedelta(weeks=random.randint(0, 50))
        with self.client.post(
            "/api/schedules/generate",
            json={
                "team_id": team,
                "start": first.isoformat(),
                "end": (first + timedelta(days=6)).isoformat(),
                "time_limit_seconds": 1,
            },
            headers=self.headers("manager"),
            name="POST /api/schedules/generate",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                # The team's or the organization's job slots are taken: said as it must be.
                response.success()
                return
        if response.status_code != 202:
            return
        job = response.json()["id"]
        for _ in range(GENERATION_POLLS):
            polled = self.client.get(
                f"/api/schedules/generate/{job}",
                headers=self.headers("manager"),
                name="GET /api/schedules/generate/{id}",
            )
            if polled.status_code != 200 or polled.json()["status"] not in ("queued", "running"):
                return
            time.sleep(0.5)  # cooperative: Locust runs on gevent's patched time


class BrowseUser(Member):
    @task
    def act(self) -> None:
        self.browse()


class FilterUser(Member):
    @task
    def act(self) -> None:
        self.filter()


class EditUser(Member):
    @task
    def act(self) -> None:
        self.edit()


class ApproveUser(Member):
    @task
    def act(self) -> None:
        self.approve()


class GenerateUser(Member):
    @task
    def act(self) -> None:
        self.generate()


class MixedUser(Member):
    @task(60)
    def browsing(self) -> None:
        self.browse()

    @task(25)
    def filtering(self) -> None:
        self.filter()

    @task(10)
    def editing(self) -> None:
        self.edit()

    @task(4)
    def approving(self) -> None:
        self.approve()

    @task(1)
    def generating(self) -> None:
        self.generate()


class BareUser(FastHttpUser):
    wait_time = pacing()

    @task
    def act(self) -> None:
        self.client.get("/bare", name="GET /bare")
