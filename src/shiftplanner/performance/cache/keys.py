"""Every response cache key, built here: versioned (a new layout retires old entries),
scoped to one organization and to the data version it was computed at, to the audience
that may see it, and a hash of the request (path and query, in a canonical order)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

KEY_LAYOUT = "v1"
# The audience of an answer everyone in the organization may see.
EVERYONE = "all"

# How long an answer may stay, by kind of endpoint. The data version already retires an
# answer the moment its data changes; these only bound the memory answers take up.
SCHEDULE_TTL = timedelta(minutes=15)
REFERENCE_TTL = timedelta(minutes=30)  # teams, analysts, shift types, holidays, rules
CONFLICTS_TTL = timedelta(minutes=10)
PERSONAL_TTL = timedelta(minutes=5)  # absences and shift requests


def response_key(
    prefix: str,
    *,
    org_id: int,
    data_version: str,
    audience: str,
    path: str,
    query: Iterable[tuple[str, str]],
) -> str:
    request = path + "?" + "&".join(f"{k}={v}" for k, v in sorted(query))
    digest = hashlib.sha256(request.encode()).hexdigest()[:40]
    return f"{prefix}:cache:{KEY_LAYOUT}:org:{org_id}:{data_version}:{audience}:{digest}"


def etag(key: str) -> str:
    """A strong ETag: the same key always gives the same bytes."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
