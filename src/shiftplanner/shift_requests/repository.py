from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, or_, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import RequestKind, RequestStatus, ShiftRequest


class ShiftRequestRepository(OrgScopedRepository[ShiftRequest]):
    model = ShiftRequest

    def filtered(
        self,
        org_id: int,
        *,
        analyst_ids: Collection[int] | None,
        status: RequestStatus | None,
        start: date | None,
        end: date | None,
    ) -> Select[ShiftRequest]:
        query = self.scoped(org_id)
        if analyst_ids is not None:
            query = query.where(ShiftRequest.analyst_id.in_(set(analyst_ids)))
        if status is not None:
            query = query.where(ShiftRequest.status == status)
        if start is not None:
            query = query.where(ShiftRequest.date >= start)
        if end is not None:
            query = query.where(ShiftRequest.date <= end)
        return query

    async def contradicting(
        self, analyst_id: int, day: date, kind: RequestKind, shift_type_id: int | None
    ) -> list[ShiftRequest]:
        """The analyst's open (not rejected) requests of the other kind on `day` for the
        same shift type, or where either is for the whole day."""
        query = select(ShiftRequest).where(
            ShiftRequest.analyst_id == analyst_id,
            ShiftRequest.date == day,
            ShiftRequest.kind != kind,
            ShiftRequest.status != RequestStatus.REJECTED,
        )
        if shift_type_id is not None:
            query = query.where(
                or_(
                    ShiftRequest.shift_type_id.is_(None),
                    ShiftRequest.shift_type_id == shift_type_id,
                )
            )
        return list((await self.session.scalars(query.order_by(ShiftRequest.id))).all())
