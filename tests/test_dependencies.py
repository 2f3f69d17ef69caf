"""Query parameters: one a route does not know is refused, never ignored; a filter naming
something that does not exist (or is another organization's) is refused, never answered
with an empty "all clear"."""

from __future__ import annotations

import httpx
import pytest

from tests.assertions import problem
from tests.factories import Tenant

RANGE = {"start": "2030-01-07", "end": "2030-01-13"}
FILTERED = [
    ("/api/analysts", "team_id", {}),
    ("/api/shift-types", "team_id", {}),
    ("/api/holidays", "team_id", {}),
    ("/api/blackout-dates", "team_id", {}),
    ("/api/blackout-dates", "analyst_id", {}),
    ("/api/coverage-requirements", "team_id", {}),
    ("/api/coverage-requirements", "shift_type_id", {}),
    ("/api/absences", "analyst_id", {}),
    ("/api/shift-requests", "analyst_id", {}),
    ("/api/schedules", "team_id", RANGE),
    ("/api/schedules", "analyst_id", RANGE),
    ("/api/schedules", "shift_type_id", RANGE),
    ("/api/conflicts", "team_id", RANGE),
    ("/api/conflicts", "analyst_id", RANGE),
    ("/api/schedules/generate", "team_id", {}),
]


def own(tenant: Tenant, parameter: str) -> int:
    return {
        "team_id": tenant.team.id,
        "analyst_id": tenant.analysts[0].id,
        "shift_type_id": tenant.shift_types[0].id,
    }[parameter]


@pytest.mark.parametrize(("path", "parameter", "extra"), FILTERED)
async def test_a_filter_naming_nothing_of_yours_is_refused(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    path: str,
    parameter: str,
    extra: dict[str, str],
) -> None:
    for missing in (999_999, own(other_tenant, parameter)):
        refused = await client.get(path, params={**extra, parameter: missing}, headers=tenant.admin)
        body = problem(refused, 422)
        assert body["errors"] == [
            {
                "parameter": parameter,
                "in": "query",
                "detail": body["errors"][0]["detail"],
            }
        ]
        assert str(missing) in body["detail"]
    fine = await client.get(
        path, params={**extra, parameter: own(tenant, parameter)}, headers=tenant.admin
    )
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/analysts", {"active": "false"}),
        ("/api/teams", {"limt": "5"}),
        ("/api/schedules", {**RANGE, "team": "1"}),
        ("/api/absences", {"state": "requested"}),
        ("/monitoring/security/audit-logs", {"from": "2026-01-01"}),
    ],
)
async def test_an_unknown_query_parameter_is_refused_not_ignored(
    client: httpx.AsyncClient, tenant: Tenant, path: str, params: dict[str, str]
) -> None:
    body = problem(await client.get(path, params=params, headers=tenant.admin), 422)
    typo = next(name for name in params if name not in RANGE)
    assert [e["parameter"] for e in body["errors"]] == [typo]
    assert "accepts" in body["detail"]


async def test_the_known_parameters_still_work_and_health_stays_lenient(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    listed = await client.get(
        "/api/analysts", params={"is_active": "true", "limit": "2"}, headers=tenant.admin
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 2
    assert (await client.get("/health", params={"probe": "lb"})).status_code == 200
