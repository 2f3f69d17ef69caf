"""An analyst's phone number: where an on-shift page goes by SMS, so only E.164."""

from __future__ import annotations

import httpx

from tests.assertions import problem
from tests.factories import Tenant

URL = "/api/analysts"


async def test_a_phone_number_in_e164_is_kept_changed_and_cleared(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"name": "Ada", "email": "ada@example.com", "team_id": tenant.team.id}
    created = await client.post(
        URL, json=body | {"phone": "+4915112345678"}, headers=tenant.manager
    )
    assert created.status_code == 201, created.text
    analyst = created.json()
    assert analyst["phone"] == "+4915112345678"
    assert (await client.get(f"{URL}/{tenant.analysts[0].id}", headers=tenant.viewer)).json()[
        "phone"
    ] is None

    changed = await client.patch(
        f"{URL}/{analyst['id']}", json={"phone": " +447700900123 "}, headers=tenant.manager
    )
    assert changed.json()["phone"] == "+447700900123"
    cleared = await client.patch(
        f"{URL}/{analyst['id']}", json={"phone": None}, headers=tenant.manager
    )
    assert cleared.json()["phone"] is None


async def test_a_number_not_in_e164_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    analyst_id = tenant.analysts[0].id
    for phone in (
        "015112345678",
        "+49 151 1234 5678",
        "+0123456789",
        "+12345",
        "+1234567890123456",
    ):
        refused = await client.patch(
            f"{URL}/{analyst_id}", json={"phone": phone}, headers=tenant.manager
        )
        problem(refused, 422)
    current = await client.get(f"{URL}/{analyst_id}", headers=tenant.manager)
    assert current.json()["phone"] is None
