"""Every metric an alert rule can name: its unit, what it measures, whether it measures the
whole service or one organization's schedule, and how to read it.

Service metrics come from the stored rollups (`monitoring.rollups.service.alert_metrics`),
so they hold across processes, replicas and restarts; they span every tenant, which is
why only the platform operator may put them in a rule. Scheduling metrics read the
organization's schedule through the domain services' read functions, one sample per
team (labels `{"team": code}`), counted from the team's local today.

A metric without data yields no sample, so no alert: the rule's `last_state` says
`no_data` instead.

Adding a metric is one `register(Metric(...))` call, as `webhookFailureRate` is: an
organization metric that reads the share of failed webhook attempts over the rule's
window, one sample per subscription (labels `{"subscription": name}`), through the
webhooks service's read function."""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.absences import service as absence_service
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.conflicts.facts import ConflictType
from shiftplanner.kit.time import zone
from shiftplanner.kit.validators import MAX_ID
from shiftplanner.models import AlertRule, ComparisonOperator, Team
from shiftplanner.monitoring.rollups import service as rollup_service
from shiftplanner.teams import service as team_service
from shiftplanner.webhooks.deliveries import service as webhook_service

DEFAULT_DAYS = 7
MAX_DAYS = 90


class Scope(StrEnum):
    SERVICE = "service"  # the whole service, from the rollups: platform operator only
    SCHEDULE = "schedule"  # one organization's schedule, per team
    ORGANIZATION = "organization"  # one organization's integrations (webhooks)


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of a metric for one label set (empty for a service metric)."""

    labels: Mapping[str, str]
    value: float

    @property
    def fingerprint(self) -> str:
        """With the rule, the identity of the alert this sample may open."""
        canonical = json.dumps(dict(self.labels), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


Reader = Callable[["Sampler", AlertRule], Awaitable[list[Sample]]]


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter a metric takes in the rule's `params`: a whole number in a range."""

    name: str
    minimum: int
    maximum: int
    description: str


DAYS = Param("days", 1, MAX_DAYS, f"How many days from the team's today (default {DEFAULT_DAYS}).")
TEAM = Param("team_id", 1, MAX_ID, "Only this team (default: one sample per team).")


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: str
    description: str
    scope: Scope
    read: Reader
    params: tuple[Param, ...] = ()
    # The same figure in PromQL over the exported Prometheus metrics, `{window}` standing
    # for the rule's window ("5m"); None when no exported metric measures it the same way.
    promql: str | None = None

    def check_params(self, params: Mapping[str, Any]) -> dict[str, int]:
        """The params, checked: ValueError naming what is wrong and what is allowed."""
        allowed = {param.name: param for param in self.params}
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            names = ", ".join(sorted(allowed)) or "none"
            raise ValueError(
                f"{self.name} takes no parameter {', '.join(unknown)} (it takes: {names})"
            )
        checked = {}
        for name, value in params.items():
            param = allowed[name]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number")
            if not param.minimum <= value <= param.maximum:
                raise ValueError(f"{name} must be between {param.minimum} and {param.maximum}")
            checked[name] = value
        return checked


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Make `metric` available to rules (the name must be new)."""
    if metric.name in REGISTRY:
        raise ValueError(f"metric {metric.name!r} is registered already")
    REGISTRY[metric.name] = metric
    return metric


def names() -> list[str]:
    return sorted(REGISTRY)


COMPARISONS: dict[ComparisonOperator, Callable[[float, float], bool]] = {
    ComparisonOperator.GT: operator.gt,
    ComparisonOperator.GTE: operator.ge,
    ComparisonOperator.LT: operator.lt,
    ComparisonOperator.LTE: operator.le,
    ComparisonOperator.EQ: operator.eq,
}


def holds(value: float, comparison: ComparisonOperator, threshold: float) -> bool:
    """Whether `value` `comparison` `threshold` is true."""
    return COMPARISONS[comparison](value, threshold)


@dataclass(slots=True)
class Sampler:
    """The reads of one evaluation round at `now`, each done once however many rules
    (and organizations) ask for it."""

    session: AsyncSession
    now: datetime
    _service: dict[int, dict[str, float | None]] = field(default_factory=dict)
    _teams: dict[int, list[Team]] = field(default_factory=dict)
    _conflicts: dict[tuple[int, int], dict[int, conflict_service.TeamConflicts]] = field(
        default_factory=dict
    )
    _pending: dict[int, dict[int, int]] = field(default_factory=dict)

    async def sample(self, rule: AlertRule) -> list[Sample]:
        metric = REGISTRY.get(rule.metric)
        if metric is None:
            raise LookupError(f"the metric {rule.metric!r} is not known (any more)")
        return await metric.read(self, rule)

    async def service_figures(self, minutes: int) -> dict[str, float | None]:
        if minutes not in self._service:
            self._service[minutes] = await rollup_service.alert_metrics(
                self.session, end=self.now, minutes=minutes
            )
        return self._service[minutes]

    async def teams(self, rule: AlertRule) -> list[Team]:
        """The teams the rule watches: the one its params name, else all of its org."""
        teams = await self.teams_of_org(rule.org_id)
        team_id = rule.params.get(TEAM.name)
        return [team for team in teams if team_id is None or team.id == team_id]

    def today(self, team: Team) -> date:
        return self.now.astimezone(zone(team.timezone)).date()

    async def conflicts(self, rule: AlertRule) -> list[tuple[Team, conflict_service.TeamConflicts]]:
        """Each watched team's conflicts over its next `days` local days."""
        days = int(rule.params.get(DAYS.name, DEFAULT_DAYS))
        key = (rule.org_id, days)
        if key not in self._conflicts:
            every_team = await self.teams_of_org(rule.org_id)
            spans = {
                team.id: (self.today(team), self.today(team) + timedelta(days=days - 1))
                for team in every_team
            }
            self._conflicts[key] = await conflict_service.count_by_team(
                self.session, rule.org_id, spans
            )
        counts = self._conflicts[key]
        return [(team, counts[team.id]) for team in await self.teams(rule) if team.id in counts]

    async def teams_of_org(self, org_id: int) -> list[Team]:
        if org_id not in self._teams:
            self._teams[org_id] = await team_service.teams_of_organization(self.session, org_id)
        return self._teams[org_id]

    async def pending_absences(self, rule: AlertRule) -> list[tuple[Team, int]]:
        if rule.org_id not in self._pending:
            self._pending[rule.org_id] = await absence_service.pending_count_by_team(
                self.session, rule.org_id
            )
        pending = self._pending[rule.org_id]
        return [(team, pending.get(team.id, 0)) for team in await self.teams(rule)]


def _service_reader(name: str) -> Reader:
    async def read(sampler: Sampler, rule: AlertRule) -> list[Sample]:
        value = (await sampler.service_figures(rule.window_minutes)).get(name)
        return [] if value is None else [Sample({}, float(value))]

    return read


def _team_sample(team: Team, value: float) -> Sample:
    return Sample({"team": team.code}, value)


def _conflict_reader(count: Callable[[conflict_service.TeamConflicts], int]) -> Reader:
    async def read(sampler: Sampler, rule: AlertRule) -> list[Sample]:
        return [
            _team_sample(team, float(count(conflicts)))
            for team, conflicts in await sampler.conflicts(rule)
        ]

    return read


async def _read_pending_absences(sampler: Sampler, rule: AlertRule) -> list[Sample]:
    return [_team_sample(team, float(n)) for team, n in await sampler.pending_absences(rule)]


_REQUEST_SECONDS = "shiftplanner_http_request_duration_seconds"
_REQUESTS = "shiftplanner_http_requests_total"
_SERVICE_METRICS = (
    (
        "averageResponseTime",
        "ms",
        "Mean time to answer a request.",
        f"sum(rate({_REQUEST_SECONDS}_sum[{{window}}])) / "
        f"sum(rate({_REQUEST_SECONDS}_count[{{window}}])) * 1000",
    ),
    (
        "p95ResponseTime",
        "ms",
        "95th percentile of the time to answer a request.",
        "histogram_quantile(0.95, sum by (le) "
        f"(rate({_REQUEST_SECONDS}_bucket[{{window}}]))) * 1000",
    ),
    (
        "errorRate",
        "%",
        "Share of requests answered with a 5xx status.",
        f'sum(rate({_REQUESTS}{{{{status=~"5.."}}}}[{{window}}])) / '
        f"sum(rate({_REQUESTS}[{{window}}])) * 100",
    ),
    (
        "requestRate",
        "/min",
        "Requests answered per minute.",
        f"sum(rate({_REQUESTS}[{{window}}])) * 60",
    ),
    (
        "availability",
        "%",
        "Share of the synthetic availability probe's runs that passed.",
        'sum(rate(shiftplanner_availability_probes_total{{result="pass"}}[{window}])) / '
        "sum(rate(shiftplanner_availability_probes_total[{window}])) * 100",
    ),
    (
        "cpuUsage",
        "%",
        "CPU of the service's processes together, in percent of one core.",
        "sum(avg_over_time(shiftplanner_process_cpu_percent[{window}]))",
    ),
    (
        "memoryUsage",
        "MB",
        "Resident memory of the service's processes together.",
        "sum(avg_over_time(shiftplanner_process_resident_memory_bytes[{window}])) / 1048576",
    ),
    (
        "eventLoopLag",
        "ms",
        "The worst event-loop lag of any process.",
        "max(max_over_time(shiftplanner_event_loop_lag_seconds[{window}])) * 1000",
    ),
    (
        "slowQueryPercentage",
        "%",
        "Share of SQL statements slower than the slow-query threshold.",
        "sum(rate(shiftplanner_db_slow_queries_total[{window}])) / "
        "sum(rate(shiftplanner_db_queries_total[{window}])) * 100",
    ),
    (
        "cacheMissRate",
        "%",
        "Share of response-cache lookups that missed.",
        'sum(rate(shiftplanner_cache_lookups_total{{result="miss"}}[{window}])) / '
        'sum(rate(shiftplanner_cache_lookups_total{{result!="bypass"}}[{window}])) * 100',
    ),
    # The pool's size is not exported, so Prometheus cannot compute the same share.
    ("dbPoolUtilization", "%", "Share of the database pools' connections in use.", None),
)

for _name, _unit, _description, _promql in _SERVICE_METRICS:
    register(
        Metric(
            name=_name,
            unit=_unit,
            description=_description,
            scope=Scope.SERVICE,
            read=_service_reader(_name),
            promql=_promql,
        )
    )

register(
    Metric(
        name="openConflicts",
        unit="conflicts",
        description="Conflicts of any kind in the team's schedule over the next days.",
        scope=Scope.SCHEDULE,
        read=_conflict_reader(lambda counts: counts.total),
        params=(DAYS, TEAM),
    )
)
register(
    Metric(
        name="coverageGaps",
        unit="shift-days",
        description="Shift-days of the team with fewer effective analysts than needed, over "
        "the next days.",
        scope=Scope.SCHEDULE,
        read=_conflict_reader(lambda counts: counts.by_type[ConflictType.COVERAGE_GAP]),
        params=(DAYS, TEAM),
    )
)
register(
    Metric(
        name="unfilledShifts",
        unit="positions",
        description="Positions left empty over the next days: required minus effective "
        "analysts, summed over the team's shift-days.",
        scope=Scope.SCHEDULE,
        read=_conflict_reader(lambda counts: counts.missing_positions),
        params=(DAYS, TEAM),
    )
)
register(
    Metric(
        name="pendingAbsenceRequests",
        unit="requests",
        description="Absence requests of the team's analysts awaiting a decision.",
        scope=Scope.SCHEDULE,
        read=_read_pending_absences,
        params=(TEAM,),
    )
)


async def _read_webhook_failures(sampler: Sampler, rule: AlertRule) -> list[Sample]:
    since = sampler.now - timedelta(minutes=rule.window_minutes)
    rates = await webhook_service.failure_rates(sampler.session, rule.org_id, since)
    return [Sample({"subscription": name}, rate) for name, rate in rates]


register(
    Metric(
        name="webhookFailureRate",
        unit="%",
        description="Share of a webhook subscription's attempts that failed over the window "
        "(one sample per subscription that had attempts; tests left out).",
        scope=Scope.ORGANIZATION,
        read=_read_webhook_failures,
    )
)
