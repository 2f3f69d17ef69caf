"""Every Prometheus metric of the service, defined in one place with the `shiftplanner_`
prefix. Labels are bounded sets (policy names, route templates, organization ids, job
statuses), never raw values.

With several worker processes (`serve --workers N`) prometheus-client runs in its
multiprocess mode: each process writes its values to files in PROMETHEUS_MULTIPROC_DIR
and `/metrics` adds them up. `multiprocess_mode` says how a gauge combines across
processes; `live…` modes forget a process once it has exited."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Request latency, 1 ms … 10 s. The stored rollups count requests on the same bounds, so
# a percentile from them and one from Prometheus agree.
LATENCY_BUCKETS_SECONDS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
SIZE_BUCKETS_BYTES = (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
QUERY_BUCKETS_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0)
UNMATCHED_ROUTE = "<unmatched>"

# HTTP
HTTP_REQUESTS = Counter(
    "shiftplanner_http_requests",
    "Requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "shiftplanner_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer (an event stream's: to its "
    "opening), by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS_SECONDS,
)
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "shiftplanner_http_requests_in_flight",
    "Requests being answered now.",
    multiprocess_mode="livesum",
)
HTTP_RESPONSE_SIZE = Histogram(
    "shiftplanner_http_response_size_bytes",
    "Bytes of answer bodies sent (after compression), by method and route template.",
    ["method", "route"],
    buckets=SIZE_BUCKETS_BYTES,
)

# Database
DB_QUERIES = Counter(
    "shiftplanner_db_queries",
    "SQL statements run, by operation (select, insert, update, delete, other).",
    ["operation"],
)
DB_QUERY_DURATION = Histogram(
    "shiftplanner_db_query_duration_seconds",
    "Time of SQL statements, by operation.",
    ["operation"],
    buckets=QUERY_BUCKETS_SECONDS,
)
DB_SLOW_QUERIES = Counter(
    "shiftplanner_db_slow_queries",
    "SQL statements slower than SHIFTPLANNER_SLOW_QUERY_THRESHOLD_MS, by operation.",
    ["operation"],
)
DATABASE_CONNECTIONS = Gauge(
    "shiftplanner_database_connections",
    "Connections of the database pool by state: active (checked out), idle (in the pool) "
    "and waiting (requests waiting for one).",
    ["state"],
    multiprocess_mode="livesum",
)

# Process and system
PROCESS_CPU_PERCENT = Gauge(
    "shiftplanner_process_cpu_percent",
    "CPU used by the process since the previous sample, in percent of one core.",
    multiprocess_mode="livesum",
)
PROCESS_RESIDENT_MEMORY = Gauge(
    "shiftplanner_process_resident_memory_bytes",
    "Resident memory of the process.",
    multiprocess_mode="livesum",
)
PROCESS_OPEN_FILES = Gauge(
    "shiftplanner_process_open_files",
    "Files and sockets the process holds open.",
    multiprocess_mode="livesum",
)
EVENT_LOOP_LAG = Gauge(
    "shiftplanner_event_loop_lag_seconds",
    "How late the event loop woke a timer at the last sample (the worst process).",
    multiprocess_mode="livemax",
)
GC_COLLECTIONS = Counter(
    "shiftplanner_gc_collections",
    "Garbage collections, by generation.",
    ["generation"],
)
GC_PAUSE = Histogram(
    "shiftplanner_gc_pause_seconds",
    "Time the garbage collector stopped the process, by generation.",
    ["generation"],
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0),
)
DATA_DISK_USAGE = Gauge(
    "shiftplanner_data_disk_usage_ratio",
    "Share of the data directory's file system in use (0-1).",
    multiprocess_mode="max",
)
DATA_DISK_FREE = Gauge(
    "shiftplanner_data_disk_free_bytes",
    "Free bytes on the data directory's file system.",
    multiprocess_mode="min",
)

# Domain: refreshed on a schedule by one process (the leader), not per scrape.
ASSIGNMENTS = Gauge(
    "shiftplanner_assignments",
    "Assignments, by organization.",
    ["org_id"],
    multiprocess_mode="mostrecent",
)
ANALYSTS = Gauge(
    "shiftplanner_analysts",
    "Active analysts, by organization.",
    ["org_id"],
    multiprocess_mode="mostrecent",
)
OPEN_CONFLICTS = Gauge(
    "shiftplanner_open_conflicts",
    "Conflicts in the schedule from today on, by organization and severity.",
    ["org_id", "severity"],
    multiprocess_mode="mostrecent",
)
GENERATION_JOBS = Gauge(
    "shiftplanner_generation_jobs",
    "Schedule generation jobs, by status.",
    ["status"],
    multiprocess_mode="mostrecent",
)
GENERATION_SOLVE_DURATION = Histogram(
    "shiftplanner_generation_solve_duration_seconds",
    "Wall time of finished generation jobs' solves.",
    buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800),
)

# Security
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

# Response cache
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

# Operations
UNHANDLED_ERRORS = Counter(
    "shiftplanner_unhandled_errors",
    "Exceptions no handler took (answered 500), by exception type.",
    ["exception_type"],
)
AVAILABILITY_PROBES = Counter(
    "shiftplanner_availability_probes",
    "Runs of the synthetic availability probe, by result (pass, fail).",
    ["result"],
)

# Alerting and notifications
ALERT_COUNT = Gauge(
    "shiftplanner_alert_count",
    "Open and recent alerts by severity and status (pending, firing; resolved in the last "
    "24 hours), across organizations, as the alert evaluator last counted them.",
    ["severity", "status"],
    multiprocess_mode="mostrecent",
)
ALERT_EVALUATIONS = Counter(
    "shiftplanner_alert_evaluations",
    "Alert rule evaluations by outcome (ok, no_data, error).",
    ["outcome"],
)
ALERT_EVALUATION_DURATION = Histogram(
    "shiftplanner_alert_evaluation_duration_seconds",
    "Time of one round of the alert evaluator (every enabled rule, then due escalations).",
    buckets=QUERY_BUCKETS_SECONDS,
)
NOTIFICATIONS_SENT = Counter(
    "shiftplanner_notifications_sent",
    "Notifications delivered, by channel (email, slack, webhook, sms, in_app).",
    ["channel"],
)
NOTIFICATIONS_FAILED = Counter(
    "shiftplanner_notifications_failed",
    "Notification attempts that failed, by channel; `final` says whether it was the last "
    "attempt (the delivery gave up and any fallback was queued).",
    ["channel", "final"],
)
NOTIFICATION_QUEUE_DEPTH = Gauge(
    "shiftplanner_notification_queue_depth",
    "Notification deliveries waiting to be sent, as the delivery worker last counted them.",
    multiprocess_mode="mostrecent",
)

# Webhooks
WEBHOOK_DELIVERIES = Counter(
    "shiftplanner_webhook_deliveries",
    "Webhook attempts by outcome: succeeded; failed (a retry is due); gave_up (the last "
    "attempt, or the endpoint was disabled).",
    ["outcome"],
)
WEBHOOK_DELIVERY_DURATION = Histogram(
    "shiftplanner_webhook_delivery_duration_seconds",
    "Time of one webhook attempt, from the address check to the receiver's answer.",
    buckets=LATENCY_BUCKETS_SECONDS,
)
WEBHOOK_QUEUE_DEPTH = Gauge(
    "shiftplanner_webhook_queue_depth",
    "Webhook deliveries pending (due now or retrying later), as the sender last counted them.",
    multiprocess_mode="mostrecent",
)
WEBHOOK_OLDEST_PENDING_AGE = Gauge(
    "shiftplanner_webhook_oldest_pending_age_seconds",
    "Age of the oldest pending webhook delivery (0 with none), as the sender last counted.",
    multiprocess_mode="mostrecent",
)
