"""The alert evaluator: every enabled rule of every organization, each round.

The state machine is `next_status`, a pure function: no alert → pending when the
condition begins to hold (firing at once with durationMinutes 0); pending → firing once it
has held for durationMinutes, → inactive if it clears first; firing → resolved once it has
not held for keepFiringMinutes. Everything it needs is stored on the alert (when the
condition began to hold, when it last held), so a restart in the middle of pending goes
on where it was. One alert is open per rule and label set (fingerprint); later rounds
update its value.

A rule's failure (its metric cannot be read, its data is odd) marks that rule `error` and
the others go on."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting import metrics
from shiftplanner.alerting.alerts import lifecycle
from shiftplanner.alerting.alerts.repository import AlertRepository
from shiftplanner.alerting.messages import condition_text
from shiftplanner.alerting.rules.repository import AlertRuleRepository
from shiftplanner.db import lock_rows
from shiftplanner.logging import get_logger
from shiftplanner.models import (
    OPEN_ALERT_STATUSES,
    Alert,
    AlertRule,
    AlertSeverity,
    AlertStatus,
    ComparisonOperator,
)
from shiftplanner.monitoring.metrics import ALERT_COUNT, ALERT_EVALUATIONS

log = get_logger(__name__)

# The gauge counts resolved alerts over this long.
RESOLVED_COUNTED_FOR = timedelta(hours=24)
COUNTED_STATUSES = (AlertStatus.PENDING, AlertStatus.FIRING, AlertStatus.RESOLVED)


def next_status(
    status: AlertStatus | None,
    *,
    holds: bool,
    now: datetime,
    active_since: datetime | None,
    last_true_at: datetime | None,
    duration: timedelta,
    keep_firing: timedelta,
) -> AlertStatus | None:
    """The state after one evaluation. `status` None: no open alert (the answer None:
    still none). `active_since` is when the condition began to hold, `last_true_at` when
    it last held before this evaluation."""
    if status is None:
        if not holds:
            return None
        return AlertStatus.FIRING if duration <= timedelta(0) else AlertStatus.PENDING
    if status is AlertStatus.PENDING:
        if not holds:
            return AlertStatus.INACTIVE
        started = active_since or now
        return AlertStatus.FIRING if now - started >= duration else AlertStatus.PENDING
    if status is AlertStatus.FIRING:
        if holds:
            return AlertStatus.FIRING
        if last_true_at is None or now - last_true_at >= keep_firing:
            return AlertStatus.RESOLVED
        return AlertStatus.FIRING
    return status


@dataclass(frozen=True, slots=True)
class RoundResult:
    """How many rules came out ok (pending and firing included), without data, in error."""

    outcomes: Counter[str]

    @property
    def rules(self) -> int:
        return sum(self.outcomes.values())


def _worst(values: Sequence[float], operator: ComparisonOperator) -> float | None:
    if not values:
        return None
    if operator in (ComparisonOperator.LT, ComparisonOperator.LTE):
        return min(values)
    return max(values)


class _RuleRound:
    """One rule's evaluation: its samples against its alerts."""

    def __init__(
        self,
        session: AsyncSession,
        rule: AlertRule,
        alerts: Sequence[Alert],
        *,
        now: datetime,
        public_url: str,
    ) -> None:
        self.session = session
        self.rule = rule
        self.now = now
        self.public_url = public_url
        self.open = {a.fingerprint: a for a in alerts if a.status in OPEN_ALERT_STATUSES}
        self.waiting = {
            a.fingerprint: a for a in alerts if a.status is AlertStatus.RESOLVED and a.reopen_check
        }
        self.statuses: list[AlertStatus] = []

    def _next(self, alert: Alert | None, holds: bool) -> AlertStatus | None:
        return next_status(
            alert.status if alert is not None else None,
            holds=holds,
            now=self.now,
            active_since=alert.active_since if alert is not None else None,
            last_true_at=alert.last_true_at if alert is not None else None,
            duration=timedelta(minutes=self.rule.duration_minutes),
            keep_firing=timedelta(minutes=self.rule.keep_firing_minutes),
        )

    async def run(self, samples: Sequence[metrics.Sample]) -> str:
        seen = set()
        for sample in samples:
            seen.add(sample.fingerprint)
            await self._sample(sample)
        for fingerprint, alert in self.open.items():
            if fingerprint not in seen:
                await self._step(alert, holds=False, value=None)
        for fingerprint, alert in self.waiting.items():
            if fingerprint not in seen:
                alert.reopen_check = False
        if AlertStatus.FIRING in self.statuses:
            return "firing"
        if AlertStatus.PENDING in self.statuses:
            return "pending"
        return "ok" if samples else "no_data"

    async def _sample(self, sample: metrics.Sample) -> None:
        holds = metrics.holds(sample.value, self.rule.operator, self.rule.threshold)
        alert = self.open.get(sample.fingerprint)
        if alert is not None:
            await self._step(alert, holds=holds, value=sample.value)
            return
        waiting = self.waiting.pop(sample.fingerprint, None)
        if waiting is not None:
            waiting.reopen_check = False
            if holds:
                waiting.value = sample.value
                await lifecycle.reopen(
                    self.session, waiting, self.rule, now=self.now, public_url=self.public_url
                )
                self.statuses.append(AlertStatus.FIRING)
                return
        status = self._next(None, holds)
        if status is None:
            return
        alert = await self._open(sample)
        if status is AlertStatus.FIRING:
            await lifecycle.fire(
                self.session, alert, self.rule, now=self.now, public_url=self.public_url
            )
        self.statuses.append(alert.status)

    async def _open(self, sample: metrics.Sample) -> Alert:
        rule = self.rule
        alert = Alert(
            org_id=rule.org_id,
            rule_id=rule.id,
            rule_name=rule.name,
            fingerprint=sample.fingerprint,
            labels={**rule.labels, **sample.labels},
            severity=rule.severity,
            status=AlertStatus.PENDING,
            metric=rule.metric,
            operator=rule.operator,
            threshold=rule.threshold,
            value=sample.value,
            active_since=self.now,
            last_true_at=self.now,
        )
        alert.summary = condition_text(alert)
        self.session.add(alert)
        await self.session.flush()
        if rule.duration_minutes > 0:
            lifecycle.record(
                self.session,
                alert,
                "pending",
                at=self.now,
                message=f"Holds: {alert.summary}; fires after {rule.duration_minutes} min",
                details={"value": sample.value},
            )
        return alert

    async def _step(self, alert: Alert, *, holds: bool, value: float | None) -> None:
        if value is not None:
            alert.value = value
            alert.summary = condition_text(alert)
        if alert.silenced_until is not None and alert.silenced_until <= self.now:
            await lifecycle.lapse_silence(
                self.session, alert, self.rule, now=self.now, public_url=self.public_url
            )
        status = self._next(alert, holds)
        if holds:
            alert.last_true_at = self.now
        if status is AlertStatus.FIRING and alert.status is AlertStatus.PENDING:
            await lifecycle.fire(
                self.session, alert, self.rule, now=self.now, public_url=self.public_url
            )
        elif status in (AlertStatus.INACTIVE, AlertStatus.RESOLVED):
            await lifecycle.end(
                self.session,
                alert,
                self.rule,
                now=self.now,
                resolution="condition_cleared" if value is not None else "no_data",
                public_url=self.public_url,
            )
        self.statuses.append(alert.status)


async def evaluate_all(session: AsyncSession, *, now: datetime, public_url: str) -> RoundResult:
    """Evaluate every enabled rule of every organization at `now`, storing each rule's
    outcome on it and each alert's state, and set the alert gauges."""
    rules = await AlertRuleRepository(session).enabled()
    repository = AlertRepository(session)
    # The alerts this round may change, locked against people acting on them meanwhile.
    await lock_rows(session, Alert.id, await repository.open_ids([rule.id for rule in rules]))
    alerts: defaultdict[int | None, list[Alert]] = defaultdict(list)
    for alert in await repository.of_rules([rule.id for rule in rules]):
        alerts[alert.rule_id].append(alert)
    sampler = metrics.Sampler(session, now)
    outcomes: Counter[str] = Counter()
    for rule in rules:
        outcome = await _evaluate(session, sampler, rule, alerts[rule.id], now, public_url)
        outcomes[outcome] += 1
        ALERT_EVALUATIONS.labels(outcome).inc()
    await session.flush()
    await _count(repository, now)
    return RoundResult(outcomes)


async def _evaluate(
    session: AsyncSession,
    sampler: metrics.Sampler,
    rule: AlertRule,
    alerts: Sequence[Alert],
    now: datetime,
    public_url: str,
) -> str:
    value = None
    try:
        samples = await sampler.sample(rule)
        value = _worst([sample.value for sample in samples], rule.operator)
        state = await _RuleRound(session, rule, alerts, now=now, public_url=public_url).run(samples)
        await session.flush()
    except Exception as error:
        if not session.is_active:
            raise  # a failed flush: the round's transaction is lost, not just this rule
        log.warning("alert_rule_evaluation_failed", rule_id=rule.id, exc_info=True)
        await AlertRuleRepository(session).note_evaluation(
            rule.id,
            at=now,
            value=value,
            state="error",
            error=f"{type(error).__name__}: {error}"[:1000],
        )
        return "error"
    await AlertRuleRepository(session).note_evaluation(
        rule.id, at=now, value=value, state=state, error=None
    )
    return "no_data" if state == "no_data" else "ok"


async def _count(repository: AlertRepository, now: datetime) -> None:
    counts = await repository.counts(now - RESOLVED_COUNTED_FOR)
    for severity in AlertSeverity:
        for status in COUNTED_STATUSES:
            ALERT_COUNT.labels(severity.value, status.value).set(counts.get((severity, status), 0))
