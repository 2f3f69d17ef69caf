"""Compression as clients meet it: large answers gzip-compressed when accepted, small
ones and unaccepting clients plain, and the ETag naming the bytes sent."""

from __future__ import annotations

import gzip
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.performance.compression import plain_etag
from tests.factories import Tenant, make_assignment

WEEK = {"start": "2030-01-07", "end": "2030-01-13"}


async def test_a_large_answer_is_gzipped_for_a_client_that_accepts_it(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    for day in range(7):
        for analyst in tenant.analysts:
            await make_assignment(
                session, analyst, tenant.shift_types[0], date(2030, 1, 7) + timedelta(days=day)
            )
    await session.commit()
    plain = await client.get(
        "/api/schedules", params=WEEK, headers={**tenant.viewer, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    stream = client.stream(
        "GET", "/api/schedules", params=WEEK, headers={**tenant.viewer, "Accept-Encoding": "gzip"}
    )
    async with stream as zipped:
        raw = b"".join([chunk async for chunk in zipped.aiter_raw()])
        headers = zipped.headers
    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 3
    # The compressed bytes have an ETag of their own; either form revalidates.
    assert headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert plain_etag(headers["etag"]) == plain.headers["etag"]
    again = await client.get(
        "/api/schedules",
        params=WEEK,
        headers={**tenant.viewer, "If-None-Match": headers["etag"], "Accept-Encoding": "gzip"},
    )
    assert again.status_code == 304


async def test_a_small_answer_stays_plain(client: httpx.AsyncClient, tenant: Tenant) -> None:
    small = await client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
