from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import AlertDefaults, AlertRule, EscalationPolicy


class AlertRuleRepository(OrgScopedRepository[AlertRule]):
    model = AlertRule

    async def get_by_name(self, org_id: int, name: str) -> AlertRule | None:
        query = self.scoped(org_id).where(AlertRule.name == name)
        return (await self.session.scalars(query)).one_or_none()

    async def names(self, org_id: int) -> set[str]:
        query = select(AlertRule.name).where(AlertRule.org_id == org_id)
        return set(await self.session.scalars(query))

    async def enabled(self) -> list[AlertRule]:
        """Every enabled rule of every organization, re-read."""
        query = (
            select(AlertRule)
            .where(AlertRule.enabled.is_(True))
            .order_by(AlertRule.org_id, AlertRule.id)
            .execution_options(populate_existing=True)
        )
        return list((await self.session.scalars(query)).all())

    async def all_of(self, org_id: int) -> list[AlertRule]:
        return list((await self.session.scalars(self.scoped(org_id).order_by(AlertRule.id))).all())

    async def note_evaluation(
        self,
        rule_id: int,
        *,
        at: datetime,
        value: float | None,
        state: str,
        error: str | None,
    ) -> None:
        """What the evaluation saw, written without bumping the rule's version: it is not
        an edit, and must not make a person's edit of the rule stale."""
        await self.session.execute(
            update(AlertRule)
            .where(AlertRule.id == rule_id)
            .values(last_evaluated_at=at, last_value=value, last_state=state, last_error=error)
            .execution_options(synchronize_session=False)
        )

    async def policy_exists(self, org_id: int, policy_id: int) -> bool:
        query = select(EscalationPolicy.id).where(
            EscalationPolicy.org_id == org_id, EscalationPolicy.id == policy_id
        )
        return await self.session.scalar(query) is not None


class AlertDefaultsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[int, AlertDefaults]:
        rows = await self.session.scalars(select(AlertDefaults))
        return {row.org_id: row for row in rows}

    async def add(self, row: AlertDefaults) -> AlertDefaults:
        self.session.add(row)
        await self.session.flush()
        return row
