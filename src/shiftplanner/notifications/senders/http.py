"""The HTTP channels' one request: a POST that succeeded if and only if it was answered
2xx (no redirect is followed: a receiver that moved must be reconfigured, not guessed)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from shiftplanner.notifications.senders.base import Outcome, excerpt


def masked(url: str) -> str:
    """What may be shown of a URL that is a secret in itself (a Slack or webhook URL):
    its scheme and host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}/…" if parts.scheme and host else "…"


async def post(client: httpx.AsyncClient, url: str, **request: Any) -> Outcome:
    try:
        response = await client.post(url, **request)
    except httpx.HTTPError as error:
        # httpx's messages name no URL, but say it plainly: the URL is a secret.
        reason = str(error) or type(error).__name__
        return Outcome.failed(f"{type(error).__name__}: {reason}".replace(url, masked(url)))
    if response.is_success:
        return Outcome(ok=True, status=response.status_code)
    body = excerpt(response.text) if response.content else ""
    return Outcome.failed(
        f"HTTP {response.status_code}" + (f": {body}" if body else ""),
        status=response.status_code,
    )
