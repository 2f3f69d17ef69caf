from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Alert, AlertEvent, AlertStatus, EscalationPolicy

# The history's message column.
MESSAGE_LIMIT = 1000


class PolicyRepository(OrgScopedRepository[EscalationPolicy]):
    model = EscalationPolicy

    async def get_by_name(self, org_id: int, name: str) -> EscalationPolicy | None:
        query = self.scoped(org_id).where(EscalationPolicy.name == name)
        return (await self.session.scalars(query)).one_or_none()


class EscalatingAlertRepository(OrgScopedRepository[Alert]):
    """The alerts as escalation reads and moves them."""

    model = Alert

    async def due_ids(self, now: datetime, *, limit: int) -> list[int]:
        """Firing, unsilenced alerts of every organization with a step, a reminder or the
        lapse of an acknowledgement due by `now`, oldest first."""
        query = (
            select(Alert.id)
            .where(
                Alert.status == AlertStatus.FIRING,
                # A silenced alert waits, reminders and lapses included, until it ends.
                Alert.silenced_until_resolved.is_(False),
                or_(Alert.silenced_until.is_(None), Alert.silenced_until <= now),
                or_(
                    Alert.next_escalation_at <= now,
                    Alert.next_reminder_at <= now,
                    Alert.acknowledgement_expires_at <= now,
                ),
            )
            .order_by(Alert.id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def load(self, ids: list[int]) -> list[Alert]:
        """The alerts, re-read (after their rows were locked), by id."""
        query = (
            select(Alert)
            .where(Alert.id.in_(ids))
            .order_by(Alert.id)
            .execution_options(populate_existing=True)
        )
        return list((await self.session.scalars(query)).all())

    def record(
        self,
        alert: Alert,
        kind: str,
        message: str,
        *,
        now: datetime,
        actor_user_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """An entry of the alert's history."""
        self.session.add(
            AlertEvent(
                org_id=alert.org_id,
                alert_id=alert.id,
                at=now,
                kind=kind,
                actor_user_id=actor_user_id,
                message=message[:MESSAGE_LIMIT],
                details=details or {},
            )
        )
