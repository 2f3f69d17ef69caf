"""The fair queue, pure: solvers go to organizations in turn, none runs more than its
share, and each waiting job's estimated start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shiftplanner.generation.queue import RunningJob, WaitingJob, plan

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
A, B, C = 1, 2, 3


def waiting(job_id: int, org: int, minutes_ago: float, limit: int = 60) -> WaitingJob:
    return WaitingJob(job_id, org, NOW - timedelta(minutes=minutes_ago), limit)


def order(*args: object, **kwargs: object) -> list[int]:
    return [p.job_id for p in plan(*args, **kwargs)]  # type: ignore[arg-type]


def test_a_long_job_of_one_organization_does_not_hold_another_organizations_job() -> None:
    long_job = RunningJob(A, NOW + timedelta(seconds=600))
    jobs = [waiting(10, A, 5), waiting(20, B, 1, limit=1)]
    planned = plan(jobs, [long_job], {A: NOW}, free_solvers=1, per_org=1, now=NOW)
    assert [(p.job_id, p.position, p.starts_at) for p in planned] == [
        (20, 1, NOW),  # B's job starts at once on the free solver ...
        (10, 2, NOW + timedelta(seconds=600)),  # ... A's second waits for A's first
    ]


def test_with_one_solver_organizations_take_turns_whatever_the_order_of_arrival() -> None:
    jobs = [waiting(1, A, 10), waiting(2, A, 9), waiting(3, A, 8), waiting(4, B, 7)]
    jobs += [waiting(5, B, 6), waiting(6, C, 1)]
    assert order(jobs, [], {}, free_solvers=1, per_org=1, now=NOW) == [1, 4, 6, 2, 5, 3]


def test_the_organization_served_least_lately_goes_first() -> None:
    jobs = [waiting(1, A, 10), waiting(2, B, 1)]
    served = {A: NOW - timedelta(minutes=1), B: NOW - timedelta(hours=1)}
    assert order(jobs, [], served, free_solvers=1, per_org=1, now=NOW) == [2, 1]


def test_an_organization_never_runs_more_than_its_share_even_with_idle_solvers() -> None:
    jobs = [waiting(1, A, 3, limit=60), waiting(2, A, 2, limit=30), waiting(3, A, 1)]
    planned = plan(jobs, [], {}, free_solvers=4, per_org=1, now=NOW)
    assert [p.starts_at for p in planned] == [
        NOW,
        NOW + timedelta(seconds=60),
        NOW + timedelta(seconds=90),
    ]
    two = plan(jobs, [], {}, free_solvers=4, per_org=2, now=NOW)
    assert [p.starts_at for p in two] == [NOW, NOW, NOW + timedelta(seconds=30)]


def test_start_estimates_add_up_the_time_limits_ahead() -> None:
    running = [RunningJob(C, NOW + timedelta(seconds=100))]
    jobs = [waiting(1, A, 3, limit=50), waiting(2, B, 2, limit=20), waiting(3, A, 1)]
    planned = plan(jobs, running, {C: NOW}, free_solvers=0, per_org=1, now=NOW)
    assert [(p.job_id, p.starts_at) for p in planned] == [
        (1, NOW + timedelta(seconds=100)),
        (2, NOW + timedelta(seconds=150)),
        (3, NOW + timedelta(seconds=170)),
    ]


def test_a_running_job_past_its_limit_frees_its_solver_now() -> None:
    overdue = RunningJob(A, NOW - timedelta(seconds=5))
    assert (
        plan([waiting(1, B, 1)], [overdue], {}, free_solvers=0, per_org=1, now=NOW)[0].starts_at
        == NOW
    )


def test_nothing_waiting_plans_nothing() -> None:
    assert plan([], [RunningJob(A, NOW)], {}, free_solvers=2, per_org=1, now=NOW) == []
