from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import RequestStatus, ShiftRequest


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
