"""A coverage requirement's needs of single skills (`skills`): of the shift's analysts, at
least `minimum` (hard) and ideally `optimal` cover the skill, validated with the solver's
own `SkillCover`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shiftplanner.coverage.schemas import MAX_SKILL_NEEDS
from shiftplanner.models import AuditLog, CoverageRequirement, OutboxEvent
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant

URL = "/api/coverage-requirements"
SENIOR = {"skill": "senior", "minimum": 1, "optimal": 2, "under_weight": 50}


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def template(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return {"shift_type_id": tenant.shift_types[0].id, "weekday": "mon", "required": 3, **fields}


async def test_a_requirement_needs_no_skill_unless_given(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(URL, json=template(tenant), headers=tenant.manager)
    assert created.status_code == 201, created.text
    assert created.json()["skills"] == []


async def test_skill_needs_are_stored_read_replaced_and_emitted(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    needs = [{"skill": " Triage ", "optimal": 1}, SENIOR]
    created = await client.post(URL, json=template(tenant, skills=needs), headers=tenant.manager)
    assert created.status_code == 201, created.text
    # Named as analysts' skills are (lower case), one per skill, in name order; what was
    # left out takes the solver's default.
    triage = {"skill": "triage", "minimum": 0, "optimal": 1, "under_weight": None}
    assert created.json()["skills"] == [SENIOR, triage]
    url = f"{URL}/{created.json()['id']}"
    assert (await client.get(url, headers=tenant.viewer)).json()["skills"] == [SENIOR, triage]
    async with runtime.session_factory() as db:
        row = await db.get(CoverageRequirement, created.json()["id"])
        assert row is not None
        assert row.skills == [SENIOR, triage]

    unrelated = await client.patch(url, json={"required": 4}, headers=tenant.manager)
    assert unrelated.json()["skills"] == [SENIOR, triage]
    replaced = await client.patch(url, json={"skills": [SENIOR]}, headers=tenant.manager)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["skills"] == [SENIOR]
    cleared = await client.patch(url, json={"skills": []}, headers=tenant.manager)
    assert cleared.json()["skills"] == []
    nulled = await client.patch(url, json={"skills": None}, headers=tenant.manager)
    assert pointers(problem(nulled, 422)) == ["#/skills"]

    async with runtime.session_factory() as db:
        rows = list(
            await db.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.resource_id == created.json()["id"])
                .where(OutboxEvent.event_type.startswith("coverage_requirement."))
                .order_by(OutboxEvent.id)
            )
        )
        audited = list(
            await db.scalars(
                select(AuditLog.changes)
                .where(AuditLog.action == "coverage_requirement.updated")
                .where(AuditLog.resource_id == created.json()["id"])
                .order_by(AuditLog.id)
            )
        )
    assert rows[0].payload["data"]["skills"] == [SENIOR, triage]
    changes = [row.payload["changes"] for row in rows[1:]]
    assert "skills" not in changes[0]
    assert changes[1] == {"skills": {"old": [SENIOR, triage], "new": [SENIOR]}}
    assert changes[2] == {"skills": {"old": [SENIOR], "new": []}}
    assert audited == changes


@pytest.mark.parametrize(
    ("skills", "pointer"),
    [
        ([SENIOR, {**SENIOR, "skill": "SENIOR"}], "#/skills"),
        ([{"skill": "", "minimum": 1}], "#/skills/0/skill"),
        ([{"skill": "night owl", "minimum": 1}], "#/skills/0/skill"),
        ([{"skill": "senior", "minimum": -1}], "#/skills/0/minimum"),
        ([{"skill": "senior", "optimal": 10_001}], "#/skills/0/optimal"),
        ([{"skill": "senior", "under_weight": 1_000_001}], "#/skills/0/under_weight"),
        ([{"skill": "senior", "maximum": 3}], "#/skills/0/maximum"),
        ([{"minimum": 1}], "#/skills/0/skill"),
        ("senior", "#/skills"),
        ([{"skill": f"s{i}"} for i in range(MAX_SKILL_NEEDS + 1)], "#/skills"),
    ],
)
async def test_skill_needs_the_solver_would_refuse_are_422(
    client: httpx.AsyncClient, tenant: Tenant, skills: Any, pointer: str
) -> None:
    refused = await client.post(URL, json=template(tenant, skills=skills), headers=tenant.manager)
    assert pointers(problem(refused, 422)) == [pointer]
    kept = await client.post(URL, json=template(tenant, skills=[SENIOR]), headers=tenant.manager)
    assert kept.status_code == 201, kept.text
    patched = await client.patch(
        f"{URL}/{kept.json()['id']}", json={"skills": skills}, headers=tenant.manager
    )
    assert pointers(problem(patched, 422)) == [pointer]
    assert (await client.get(f"{URL}/{kept.json()['id']}", headers=tenant.manager)).json()[
        "skills"
    ] == [SENIOR]


async def test_as_many_skill_needs_as_an_analyst_has_skills_are_fine(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    many = [{"skill": f"s{i:02}", "minimum": 1} for i in range(MAX_SKILL_NEEDS)]
    created = await client.post(URL, json=template(tenant, skills=many), headers=tenant.manager)
    assert created.status_code == 201, created.text
    assert len(created.json()["skills"]) == MAX_SKILL_NEEDS


async def test_only_managers_and_admins_set_skill_needs(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for headers in (tenant.analyst, tenant.viewer):
        refused = await client.post(URL, json=template(tenant, skills=[SENIOR]), headers=headers)
        problem(refused, 403)
    admin = await client.post(URL, json=template(tenant, skills=[SENIOR]), headers=tenant.admin)
    assert admin.status_code == 201, admin.text
