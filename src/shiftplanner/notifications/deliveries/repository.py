from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select, update

from shiftplanner.db import is_postgresql
from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import DeliveryStatus, NotificationDelivery


class DeliveryRepository(OrgScopedRepository[NotificationDelivery]):
    model = NotificationDelivery

    async def existing_keys(self, org_id: int, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        if not wanted:
            return set()
        rows = await self.session.scalars(
            select(NotificationDelivery.dedupe_key).where(
                NotificationDelivery.org_id == org_id,
                NotificationDelivery.dedupe_key.in_(wanted),
            )
        )
        return {key for key in rows if key is not None}

    async def page_filtered(
        self,
        org_id: int,
        params: PageParams,
        *,
        alert_id: int | None,
        status: DeliveryStatus | None,
    ) -> tuple[list[NotificationDelivery], str | None]:
        query = self.scoped(org_id)
        if alert_id is not None:
            query = query.where(NotificationDelivery.alert_id == alert_id)
        if status is not None:
            query = query.where(NotificationDelivery.status == status)
        return await paginate(
            self.session, query, keys=[NotificationDelivery.id], params=params, descending=True
        )

    async def of_alert(self, alert_id: int, kind: str) -> list[NotificationDelivery]:
        query = (
            select(NotificationDelivery)
            .where(
                NotificationDelivery.alert_id == alert_id,
                NotificationDelivery.kind == kind,
                NotificationDelivery.status != DeliveryStatus.CANCELLED,
            )
            .order_by(NotificationDelivery.id)
        )
        return list((await self.session.scalars(query)).all())

    async def claim_due(
        self, now: datetime, *, limit: int, until: datetime
    ) -> list[NotificationDelivery]:
        """Lease the due pending deliveries, oldest due first, in one UPDATE ... RETURNING
        (rows another sender holds are skipped on PostgreSQL, and the due condition is
        checked again on the locked row)."""
        due = (
            NotificationDelivery.status == DeliveryStatus.PENDING,
            NotificationDelivery.next_attempt_at <= now,
            or_(
                NotificationDelivery.claimed_until.is_(None),
                NotificationDelivery.claimed_until <= now,
            ),
        )
        oldest = (
            select(NotificationDelivery.id)
            .where(*due)
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(limit)
        )
        if is_postgresql(self.session):
            oldest = oldest.with_for_update(skip_locked=True)
        claim = (
            update(NotificationDelivery)
            .where(NotificationDelivery.id.in_(oldest.scalar_subquery()), *due)
            .values(claimed_until=until)
            .returning(NotificationDelivery)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.scalars(claim)).all()
        return sorted(rows, key=lambda row: (row.next_attempt_at or now, row.id))

    async def pending_count(self) -> int:
        query = select(func.count(NotificationDelivery.id)).where(
            NotificationDelivery.status == DeliveryStatus.PENDING
        )
        return int((await self.session.execute(query)).scalar_one())

    async def cancel_pending(self, org_id: int, channel_id: int, reason: str) -> int:
        result = await self.session.execute(
            update(NotificationDelivery)
            .where(
                NotificationDelivery.org_id == org_id,
                NotificationDelivery.channel_id == channel_id,
                NotificationDelivery.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED, last_error=reason, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
