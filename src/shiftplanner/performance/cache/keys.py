"""Every response cache key, built here: versioned (a new layout retires old entries),
scoped to one organization and to the data version it was computed at, to the audience
that may see it, and a hash of the request (path and query, in a canonical order)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Cacheable:
    """How an endpoint's answers are kept: for how long at most, and whether they hold
    personal records (kept per person for analysts and viewers, who see only their own)."""

    ttl: timedelta
    personal: bool = False


# Every endpoint whose answers are cached, by path (lists, which everyone in the
# organization may read). The fast path answers hits from here before any routing.
CACHEABLE: dict[str, Cacheable] = {
    "/api/schedules": Cacheable(SCHEDULE_TTL),
    "/api/conflicts": Cacheable(CONFLICTS_TTL, personal=True),  # others' absences redacted
    "/api/conflicts/coverage": Cacheable(CONFLICTS_TTL),
    "/api/teams": Cacheable(REFERENCE_TTL),
    "/api/analysts": Cacheable(REFERENCE_TTL),
    "/api/shift-types": Cacheable(REFERENCE_TTL),
    "/api/holidays": Cacheable(REFERENCE_TTL),
    "/api/blackout-dates": Cacheable(REFERENCE_TTL),
    "/api/coverage-requirements": Cacheable(REFERENCE_TTL),
    "/api/absences": Cacheable(PERSONAL_TTL, personal=True),
    "/api/shift-requests": Cacheable(PERSONAL_TTL, personal=True),
}


def audience(
    *, personal: bool, can_manage: bool, user_id: int | None, api_key_id: int | None
) -> str:
    """Who may be shown the same answer: everyone in the organization, unless the answer
    holds personal records, which analysts and viewers see only their own of."""
    if not personal or can_manage:
        return EVERYONE
    return f"user-{user_id}" if user_id is not None else f"key-{api_key_id}"


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
