"""Absences are personal data: the conflict report shows every conflict to everyone, but
an absence overlap names the absence (its id, its days) only to those who may see it —
managers and admins, and the analyst whose absence it is."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Tenant, make_absence, make_assignment

DAY = date(2026, 1, 13)  # a Tuesday in winter
LAST = DAY + timedelta(days=4)


async def overlaps(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    params = {"start": DAY.isoformat(), "end": DAY.isoformat(), "type": "absence_overlap"}
    response = await client.get("/api/conflicts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["conflicts"]
    return found


async def test_others_absences_are_not_disclosed_through_the_conflict_report(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    morning = tenant.shift_types[0]
    bob, own = tenant.analysts[1], tenant.analysts[2]  # `own`: the analyst user's
    bobs_shift = await make_assignment(session, bob, morning, DAY)
    bobs_absence = await make_absence(session, bob, DAY, LAST)
    own_shift = await make_assignment(session, own, tenant.shift_types[1], DAY)
    own_absence = await make_absence(session, own, DAY, LAST)
    await session.commit()

    for headers in (tenant.manager, tenant.admin):
        full = {c["analyst_id"]: c for c in await overlaps(client, headers)}
        assert full[bob.id]["absence_id"] == bobs_absence.id
        assert str(LAST) in full[bob.id]["message"]

    for headers, sees in ((tenant.viewer, set()), (tenant.analyst, {own.id})):
        shown = {c["analyst_id"]: c for c in await overlaps(client, headers)}
        # The conflicts stay, with whose and which shift they are ...
        assert set(shown) == {bob.id, own.id}
        assert shown[bob.id]["assignment_ids"] == [bobs_shift.id]
        assert shown[own.id]["assignment_ids"] == [own_shift.id]
        for analyst_id, conflict in shown.items():
            if analyst_id in sees:
                assert conflict["absence_id"] == own_absence.id
                assert str(LAST) in conflict["message"]
                continue
            # ... but not the absence: neither its id nor its days.
            assert conflict["absence_id"] is None, conflict
            assert conflict["details"] == {}
            assert str(LAST) not in conflict["message"], conflict
            assert str(DAY) in conflict["message"]  # the shift's own day is the schedule's
