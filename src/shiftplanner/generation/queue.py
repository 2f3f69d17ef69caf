"""The order in which queued generation jobs get a solver, and when each will start, pure.

Fair between organizations: a free solver goes to the organization served least lately
(whose last job started longest ago; never served comes first), its oldest queued job
first, and no organization runs more than `per_org` jobs at once. So one organization's
long jobs can hold at most its own share of the solvers, and another organization's job
waits at most for one solver to come free, never for the whole queue ahead of it.

The start times are estimates: every job is assumed to use its whole time limit (most
end sooner, once their roster is proved best)."""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WaitingJob:
    id: int
    org_id: int
    created_at: datetime
    time_limit_seconds: int


@dataclass(frozen=True, slots=True)
class RunningJob:
    org_id: int
    ends_at: datetime  # at the latest: when it started, plus its time limit


@dataclass(frozen=True, slots=True)
class Planned:
    job_id: int
    org_id: int
    position: int  # 1 for the next job to start
    starts_at: datetime


def plan(
    waiting: Iterable[WaitingJob],
    running: Iterable[RunningJob],
    last_served: Mapping[int, datetime],
    *,
    free_solvers: int,
    per_org: int,
    now: datetime,
) -> list[Planned]:
    """Every waiting job in the order it will start, with its estimated start: solvers
    busy until the running jobs end, plus `free_solvers` free now."""
    running = list(running)
    solvers = [max(job.ends_at, now) for job in running] + [now] * max(0, free_solvers)
    heapq.heapify(solvers)
    busy: defaultdict[int, list[datetime]] = defaultdict(list)
    for job in running:
        busy[job.org_id].append(max(job.ends_at, now))
    queues: dict[int, deque[WaitingJob]] = defaultdict(deque)
    for queued in sorted(waiting, key=lambda j: (j.created_at, j.id)):
        queues[queued.org_id].append(queued)
    served = dict(last_served)
    planned: list[Planned] = []
    while queues and solvers:
        free_at = heapq.heappop(solvers)
        # The first moment an organization with waiting jobs has room under its cap.
        room = {org: _room_at(busy[org], free_at, per_org) for org in queues}
        start = min(room.values())
        org = min(
            (org for org, at in room.items() if at == start),
            key=lambda o: (served.get(o, NEVER), queues[o][0].created_at, queues[o][0].id),
        )
        chosen = queues[org].popleft()
        if not queues[org]:
            del queues[org]
        ends = start + timedelta(seconds=chosen.time_limit_seconds)
        heapq.heappush(solvers, ends)
        busy[org].append(ends)
        served[org] = start
        planned.append(Planned(chosen.id, org, len(planned) + 1, start))
    return planned


def _room_at(ends: list[datetime], moment: datetime, per_org: int) -> datetime:
    """When an organization whose jobs end at `ends` may start one more, from `moment`."""
    still = sorted(end for end in ends if end > moment)
    if len(still) < per_org:
        return moment
    return still[len(still) - per_org]
