"""Every Prometheus metric of the service, defined in one place with the `shiftplanner_`
prefix. Labels are bounded sets (policy names, route templates), never raw values."""

from __future__ import annotations

from prometheus_client import Counter

RATE_LIMIT_STORAGE_ERRORS = Counter(
    "shiftplanner_rate_limit_storage_errors",
    "Rate-limit checks that could not reach their storage and let the request through.",
    ["policy"],
)
RATE_LIMITED_REQUESTS = Counter(
    "shiftplanner_rate_limited_requests",
    "Requests refused with 429 by a rate-limit policy.",
    ["policy"],
)

CACHE_LOOKUPS = Counter(
    "shiftplanner_cache_lookups",
    "Response cache lookups by endpoint (route template) and result: hit_memory, "
    "hit_redis, miss, not_modified (answered 304 from the ETag alone), bypass.",
    ["endpoint", "result"],
)
CACHE_EVICTIONS = Counter(
    "shiftplanner_cache_evictions",
    "Answers dropped from the in-process cache to stay within its size.",
)
CACHE_ERRORS = Counter(
    "shiftplanner_cache_errors",
    "Redis operations of the response cache that failed (the request went on uncached).",
    ["operation"],
)
