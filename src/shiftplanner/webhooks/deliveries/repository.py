from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update

from shiftplanner.db import is_postgresql
from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import (
    AttemptTrigger,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)

PENDING = WebhookDeliveryStatus.PENDING
# An endpoint's deliveries in the order of the changes they carry (the outbox's event
# order), not the order they were queued in: dispatchers in several processes queue
# their batches of events side by side.
IN_ORDER = (WebhookDelivery.event_id, WebhookDelivery.id)


class DeliveryRepository(OrgScopedRepository[WebhookDelivery]):
    model = WebhookDelivery

    async def claim_endpoints(self, now: datetime, *, limit: int, until: datetime) -> list[int]:
        """Lease up to `limit` enabled endpoints that have a delivery due, in one UPDATE
        ... RETURNING (atomic on SQLite; on PostgreSQL endpoints another sender holds are
        skipped and the conditions checked again on the locked row). A sender sends to an
        endpoint only while it holds it, so no attempt goes out twice at once and an
        ordered endpoint's messages go one after another."""
        free = (
            WebhookEndpoint.enabled.is_(True),
            or_(WebhookEndpoint.claimed_until.is_(None), WebhookEndpoint.claimed_until <= now),
        )
        due = select(WebhookDelivery.endpoint_id).where(
            WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now
        )
        # An ordered endpoint is served only when its oldest pending delivery is due: a
        # retry that is not holds back the later ones.
        head_due_at = (
            select(WebhookDelivery.next_attempt_at)
            .where(
                WebhookDelivery.endpoint_id == WebhookEndpoint.id, WebhookDelivery.status == PENDING
            )
            .order_by(*IN_ORDER)
            .limit(1)
            .correlate(WebhookEndpoint)
            .scalar_subquery()
        )
        candidates = (
            select(WebhookEndpoint.id)
            .where(
                *free,
                or_(
                    and_(WebhookEndpoint.ordered.is_(False), WebhookEndpoint.id.in_(due)),
                    and_(WebhookEndpoint.ordered.is_(True), head_due_at <= now),
                ),
            )
            .order_by(WebhookEndpoint.claimed_until.is_not(None), WebhookEndpoint.id)
            .limit(limit)
        )
        if is_postgresql(self.session):
            candidates = candidates.with_for_update(skip_locked=True)
        claim = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(candidates.scalar_subquery()), *free)
            # Not a change anyone made: the endpoint's updated_at and version stay.
            .values(claimed_until=until, updated_at=WebhookEndpoint.updated_at)
            .returning(WebhookEndpoint.id)
            .execution_options(synchronize_session=False)
        )
        return sorted((await self.session.scalars(claim)).all())

    async def release_endpoint(self, endpoint_id: int) -> None:
        await self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(claimed_until=None, updated_at=WebhookEndpoint.updated_at)
            .execution_options(synchronize_session=False)
        )

    async def set_endpoint(self, endpoint_id: int, **values: Any) -> None:
        """Bookkeeping on an endpoint by the sender (failing_since, disabling), without
        the version check and bump of a user's change: it must not fail because a user
        edited the endpoint meanwhile, nor make that user's next edit stale."""
        await self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            # updated_at is when someone changed it: disabled_at says when the service did.
            .values(**values, updated_at=WebhookEndpoint.updated_at)
            .execution_options(synchronize_session=False)
        )

    async def pending_of(
        self, endpoint_id: int, *, limit: int
    ) -> list[tuple[WebhookDelivery, WebhookMessage]]:
        """The endpoint's pending deliveries in order of creation, with their messages."""
        rows = await self.session.execute(
            select(WebhookDelivery, WebhookMessage)
            .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
            .order_by(*IN_ORDER)
            .limit(limit)
        )
        return [(delivery, message) for delivery, message in rows]

    async def delivered_events(
        self, endpoint_ids: Iterable[int], event_ids: Iterable[int]
    ) -> set[tuple[int, int]]:
        """Which (endpoint, event) pairs have a delivery already."""
        endpoints, events = set(endpoint_ids), set(event_ids)
        if not endpoints or not events:
            return set()
        rows = await self.session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.event_id).where(
                WebhookDelivery.endpoint_id.in_(endpoints), WebhookDelivery.event_id.in_(events)
            )
        )
        return {(endpoint_id, event_id) for endpoint_id, event_id in rows if event_id}

    async def queue_state(self) -> tuple[int, datetime | None]:
        """How many deliveries are pending, and when the oldest was made."""
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(WebhookDelivery.created_at)).where(
                    WebhookDelivery.status == PENDING
                )
            )
        ).one()
        return int(count), oldest

    async def page_filtered(
        self,
        org_id: int,
        endpoint_id: int,
        params: PageParams,
        *,
        status: WebhookDeliveryStatus | None,
        event_type: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> tuple[list[WebhookDelivery], str | None]:
        query = self.scoped(org_id).where(WebhookDelivery.endpoint_id == endpoint_id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        if event_type is not None:
            query = query.where(WebhookDelivery.event_type == event_type)
        if since is not None:
            query = query.where(WebhookDelivery.created_at >= since)
        if until is not None:
            query = query.where(WebhookDelivery.created_at < until)
        return await paginate(
            self.session, query, keys=[WebhookDelivery.id], params=params, descending=True
        )

    async def attempts_of(self, delivery_ids: Iterable[int]) -> dict[int, list[WebhookAttempt]]:
        wanted = set(delivery_ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(wanted))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
        )
        found: dict[int, list[WebhookAttempt]] = {}
        for row in rows:
            found.setdefault(row.delivery_id, []).append(row)
        return found

    async def reopen(
        self,
        org_id: int,
        endpoint_id: int,
        *,
        since: datetime,
        until: datetime,
        statuses: Iterable[WebhookDeliveryStatus],
        trigger: AttemptTrigger,
        now: datetime,
    ) -> int:
        """Make the endpoint's deliveries of the window in `statuses` pending and due now."""
        result = await self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.org_id == org_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.created_at >= since,
                WebhookDelivery.created_at < until,
                WebhookDelivery.status.in_(set(statuses)),
            )
            .values(status=PENDING, next_attempt_at=now, next_trigger=trigger, finished_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def fail_pending(self, endpoint_id: int, reason: str, now: datetime) -> int:
        result = await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
            .values(
                status=WebhookDeliveryStatus.FAILED,
                next_attempt_at=None,
                last_error=reason,
                finished_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def counts(
        self, org_id: int, since: datetime
    ) -> dict[int, dict[WebhookDeliveryStatus, int]]:
        """Deliveries made since `since` by endpoint and status."""
        rows = await self.session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.org_id == org_id, WebhookDelivery.created_at >= since)
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
        )
        found: dict[int, dict[WebhookDeliveryStatus, int]] = {}
        for endpoint_id, status, count in rows:
            found.setdefault(endpoint_id, {})[status] = int(count)
        return found

    async def latencies(
        self, org_id: int, since: datetime
    ) -> dict[int, tuple[int, float | None, float | None]]:
        """(attempts, median, 95th percentile of their time in ms) per endpoint since
        `since`: computed by PostgreSQL (`percentile_cont`); on SQLite, which has no
        percentiles, from the times themselves, interpolated the same way."""
        window = (WebhookAttempt.org_id == org_id, WebhookAttempt.started_at >= since)
        joined = select(WebhookDelivery.endpoint_id).join(
            WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id
        )
        if is_postgresql(self.session):
            rows = await self.session.execute(
                joined.add_columns(
                    func.count(),
                    func.percentile_cont(0.5).within_group(WebhookAttempt.duration_ms),
                    func.percentile_cont(0.95).within_group(WebhookAttempt.duration_ms),
                )
                .where(*window)
                .group_by(WebhookDelivery.endpoint_id)
            )
            return {
                endpoint_id: (int(count), _float(p50), _float(p95))
                for endpoint_id, count, p50, p95 in rows
            }
        times: dict[int, list[float]] = {}
        for endpoint_id, duration in await self.session.execute(
            joined.add_columns(WebhookAttempt.duration_ms).where(*window)
        ):
            times.setdefault(endpoint_id, []).append(duration)
        return {
            endpoint_id: (len(values), _quantile(values, 0.5), _quantile(values, 0.95))
            for endpoint_id, values in times.items()
        }

    async def last_outcomes(self, org_id: int) -> dict[tuple[int, bool], datetime]:
        """When each endpoint last had an attempt succeed, and fail (ever)."""
        rows = await self.session.execute(
            select(
                WebhookDelivery.endpoint_id,
                WebhookAttempt.succeeded,
                func.max(WebhookAttempt.started_at),
            )
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .where(WebhookAttempt.org_id == org_id)
            .group_by(WebhookDelivery.endpoint_id, WebhookAttempt.succeeded)
        )
        return {(endpoint_id, ok): at for endpoint_id, ok, at in rows}

    async def failures_by_endpoint(
        self, org_id: int, since: datetime
    ) -> list[tuple[int, int, int]]:
        """(endpoint, attempts, failed attempts) of the organization's endpoints since
        `since`, test messages left out."""
        failed = func.sum(case((WebhookAttempt.succeeded.is_(False), 1), else_=0))
        rows = await self.session.execute(
            select(WebhookDelivery.endpoint_id, func.count(), failed)
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .where(
                WebhookAttempt.org_id == org_id,
                WebhookAttempt.started_at >= since,
                WebhookAttempt.trigger != AttemptTrigger.TEST,
            )
            .group_by(WebhookDelivery.endpoint_id)
        )
        return [(endpoint_id, int(total), int(bad or 0)) for endpoint_id, total, bad in rows]

    async def delete_finished_before(self, cutoff: datetime, *, batch: int) -> int:
        """Delete up to `batch` messages made before `cutoff` that no delivery still has
        to send, with their deliveries and attempts; returns how many messages went."""
        still_pending = select(WebhookDelivery.id).where(
            WebhookDelivery.message_id == WebhookMessage.id, WebhookDelivery.status == PENDING
        )
        oldest = (
            select(WebhookMessage.id)
            .where(WebhookMessage.created_at < cutoff, ~still_pending.exists())
            .order_by(WebhookMessage.id)
            .limit(batch)
        )
        result = await self.session.execute(
            delete(WebhookMessage).where(WebhookMessage.id.in_(oldest.scalar_subquery()))
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _quantile(values: list[float], q: float) -> float:
    """The `q` quantile with linear interpolation between the closest ranks, as
    PostgreSQL's percentile_cont computes it."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
