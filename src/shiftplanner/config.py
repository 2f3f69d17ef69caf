"""The one place that reads the environment: every setting comes from `SHIFTPLANNER_*`
variables or a `.env` file."""

from __future__ import annotations

import secrets
from enum import StrEnum
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated

from limits import parse as parse_rate
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shiftplanner.scheduling import DEFAULT_WORKERS

# Values people paste from examples; production refuses to sign tokens with them.
PLACEHOLDER_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "changethis",
        "secret",
        "jwt-secret",
        "your-secret-key",
        "your-super-secret-jwt-key-change-in-production",
    }
)
MIN_SECRET_LENGTH = 32
DEV_SECRET_FILE = "jwt-secret"  # noqa: S105 (a file name)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    """`starttls` upgrades a plain connection (port 587), `tls` starts encrypted (port
    465), `none` is for a relay on the same host or a test server."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class RateLimitPreset(StrEnum):
    """`standard` fits a person working all day in the web pages and still throttles a
    script; `strict` is the product documents' numbers (100 requests per 15 minutes per
    user, 5 sign-in requests per 15 minutes per address)."""

    STANDARD = "standard"
    STRICT = "strict"


# Per preset, the counter (policy name) and rate each kind of request counts against.
# Kinds that share a name share one counter.
RATE_LIMIT_PRESETS: dict[RateLimitPreset, dict[str, tuple[str, str]]] = {
    RateLimitPreset.STANDARD: {
        "read": ("read", "1200/minute"),
        "write": ("write", "300/minute"),
        "login": ("login", "300/minute"),
        "refresh": ("refresh", "300/minute"),
        "graphql": ("graphql", "600/minute"),
    },
    RateLimitPreset.STRICT: {
        "read": ("api", "100/15minutes"),
        "write": ("api", "100/15minutes"),
        "login": ("auth", "5/15minutes"),
        "refresh": ("auth", "5/15minutes"),
        "graphql": ("graphql", "200/15minutes"),
    },
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHIFTPLANNER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./data/shiftplanner.db"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    database_echo: bool = False
    # A "ping" before each use of a pooled PostgreSQL connection costs a round trip per
    # request; off, a connection the server dropped (a restart) fails one request and is
    # replaced. Connections are replaced after this many seconds in any case.
    database_pool_pre_ping: bool = False
    database_pool_recycle_seconds: int = Field(default=1800, ge=1)
    redis_url: str | None = None
    # Prefix of every key the service writes to Redis, so deployments can share one.
    redis_key_prefix: str = "shiftplanner"
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=1, le=65535)
    data_dir: Path = Path("data")

    jwt_secret: SecretStr | None = None
    # Secrets signed with before a rotation: their tokens stay valid until they expire.
    jwt_previous_secrets: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    jwt_access_ttl_seconds: int = Field(default=15 * 60, ge=30)
    jwt_refresh_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    # The demo's team lead and analyst accounts (`shiftplanner demo`); unset, one random
    # password for both is printed once.
    demo_password: SecretStr | None = None
    password_min_length: int = Field(default=12, ge=8, le=128)
    # argon2id cost; the defaults follow RFC 9106's second recommended option.
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=64 * 1024, ge=8)
    password_hash_parallelism: int = Field(default=4, ge=1)

    # Login throttling (failed sign-ins only), per email address whether or not it has an
    # account: this many failures from one client address lock that address out of the
    # account until a window passes without one; ...
    login_lockout_attempts: int = Field(default=5, ge=1)
    login_lockout_window_seconds: int = Field(default=15 * 60, ge=1)
    # ... this many from anywhere, and each further attempt waits 1 s, doubling up to the
    # window, except from an address the account signed in from lately; ...
    login_account_attempts: int = Field(default=20, ge=1)
    login_trusted_address_days: int = Field(default=30, ge=0)
    # ... and this many from one address across all accounts (password spraying).
    login_address_attempts: int = Field(default=100, ge=1)
    # Password hashes computed at once (worker threads), and sign-ins waiting for one
    # beyond which a sign-in is answered 503 at once instead of queueing.
    password_hash_threads: int = Field(default=2, ge=1, le=64)
    password_hash_queue: int = Field(default=64, ge=0)

    rate_limit_enabled: bool = True
    rate_limit_preset: RateLimitPreset = RateLimitPreset.STANDARD
    # Each overrides its kind's rate in the preset, e.g. "300/minute" or "1000/hour".
    rate_limit_read: str | None = None
    rate_limit_write: str | None = None
    rate_limit_login: str | None = None
    rate_limit_refresh: str | None = None
    rate_limit_graphql: str | None = None
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # A request body must have arrived whole within this time.
    request_body_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # The OpenAPI pages (/docs, /redoc, /openapi.json); off in production unless enabled.
    docs_enabled: bool | None = None
    # The browser pages: the Vite build of web/ (`make run` builds it when its sources
    # change). None serves the checkout's web/dist; a missing build answers with a page
    # that says how to build it.
    web_dist_dir: Path | None = None
    hsts_max_age_seconds: int = Field(default=365 * 24 * 3600, ge=0)
    audit_retention_days: int = Field(default=365, ge=1)

    log_level: str = "info"
    log_json: bool | None = None

    # The response cache: answers of frequent reads kept (in this process, and in Redis
    # when SHIFTPLANNER_REDIS_URL is set) under the version of their data.
    cache_enabled: bool = True
    cache_memory_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # At start, compute this and next week's schedule of every team into the cache.
    cache_warm_up: bool = True
    # Answers at least this large are gzip-compressed for clients that accept it; unset
    # (empty) leaves compression to a proxy in front.
    compression_minimum_bytes: int | None = Field(default=1000, ge=0)

    outbox_poll_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1, le=10_000)
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    outbox_max_attempts: int = Field(default=12, ge=1)
    # What `shiftplanner outbox purge` keeps of events every consumer has handled: a
    # live stream resumes from, and a request's batch is read out of, what is kept.
    outbox_retention_days: int = Field(default=30, ge=1)
    dispatcher_enabled: bool = True

    # Schedule generation: solver processes run at once by each app process, and the
    # CP-SAT search threads each one uses. Two by default, so that while one organization
    # runs a long job another's is not kept waiting for it.
    solver_max_jobs: int = Field(default=2, ge=1, le=64)
    solver_workers: int = Field(default=DEFAULT_WORKERS, ge=1, le=64)
    # Each organization's share: jobs running at once, and queued or running at once.
    generation_max_running_per_org: int = Field(default=1, ge=1, le=64)
    generation_max_active_per_org: int = Field(default=10, ge=1, le=1000)
    generation_runner_enabled: bool = True
    generation_poll_interval_seconds: float = Field(default=1.0, gt=0)

    # Live updates (GET /api/events: the organization's changes as server-sent events,
    # read from the outbox). This process's own commits are sent at once; events other
    # processes commit (replicas, solver processes) are looked for this often. Streams
    # one process holds and one user may open at once, and how many missed events a
    # reconnecting stream is sent before it is told to reload instead.
    live_enabled: bool = True
    live_poll_interval_seconds: float = Field(default=1.0, gt=0)
    live_max_connections: int = Field(default=1000, ge=1)
    live_max_connections_per_user: int = Field(default=5, ge=1)
    live_replay_limit: int = Field(default=1000, ge=1, le=100_000)

    # Monitoring. Off, no request is measured (the benchmark's baseline); the access log
    # stays.
    metrics_enabled: bool = True
    # In production `/metrics` answers only an API key with the `monitoring` scope or a
    # client in one of these networks (CIDRs, e.g. the Prometheus server's); in
    # development anyone who reaches the port.
    metrics_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # prometheus-client's multiprocess mode (`serve --workers N` sets it): where each
    # process writes its values, read under the library's own variable name.
    prometheus_multiproc_dir: Path | None = Field(
        default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR"
    )
    # A statement slower than this counts as slow (metrics, rollups, /monitoring/performance).
    slow_query_threshold_ms: float = Field(default=200.0, gt=0)
    # A request slower than this is a slow route in /monitoring/performance.
    slow_request_threshold_ms: float = Field(default=500.0, gt=0)
    # Stored per-minute measurements: how long each resolution is kept.
    rollup_minute_retention_days: int = Field(default=7, ge=1)
    rollup_hour_retention_days: int = Field(default=90, ge=1)
    # The synthetic availability probe of the readiness check, and the leader's merge.
    probe_interval_seconds: float = Field(default=15.0, gt=0)
    rollup_merge_interval_seconds: float = Field(default=60.0, gt=0)
    # Domain gauges (assignments, analysts, open conflicts per organization; jobs).
    domain_metrics_interval_seconds: float = Field(default=60.0, gt=0)
    # Process and system samples (CPU, memory, event-loop lag, disk, pool).
    system_metrics_interval_seconds: float = Field(default=5.0, gt=0)
    # SLA targets: availability and error rate in percent, p95 latency in milliseconds.
    sla_availability_target: float = Field(default=99.9, gt=0, le=100)
    sla_error_rate_target: float = Field(default=0.1, ge=0, le=100)
    sla_p95_target_ms: float = Field(default=200.0, gt=0)
    # Readiness: a check warns from the first and fails from the second threshold.
    readiness_disk_warn_percent: float = Field(default=85.0, gt=0, le=100)
    readiness_disk_fail_percent: float = Field(default=95.0, gt=0, le=100)
    readiness_memory_warn_percent: float = Field(default=85.0, gt=0, le=100)
    readiness_memory_fail_percent: float = Field(default=95.0, gt=0, le=100)
    readiness_worker_lag_warn_seconds: float = Field(default=30.0, gt=0)
    readiness_worker_lag_fail_seconds: float = Field(default=300.0, gt=0)
    # The live profiler (/monitoring/profiler): on in development, off in production
    # unless set.
    profiler_enabled: bool | None = None
    profiler_max_seconds: float = Field(default=60.0, gt=0, le=600)

    # Alerting. The evaluator (the operations leader: one process across replicas) reads
    # the stored measurements and runs due escalation steps every this many seconds.
    alerting_enabled: bool = True
    alert_evaluation_interval_seconds: float = Field(default=15.0, gt=0)
    # Where people reach the service: links in notifications start with it.
    public_url: str = "http://127.0.0.1:4000"
    # Notifications: the delivery worker's poll, each attempt's timeout, and the retries
    # (backoff doubling from the base) before a delivery fails over to the fallback.
    notifications_enabled: bool = True
    notification_poll_interval_seconds: float = Field(default=1.0, gt=0)
    notification_timeout_seconds: float = Field(default=10.0, gt=0)
    notification_max_attempts: int = Field(default=5, ge=1, le=50)
    notification_retry_base_seconds: float = Field(default=5.0, gt=0)
    # Networks outside the public internet (loopback, private, link-local, shared,
    # reserved, multicast) that notification HTTP may still reach (CIDRs). Any other such
    # address is refused, so that an organization's admin cannot aim Slack, webhook or SMS
    # requests at the server's own network or a cloud metadata address. Development also
    # reaches loopback.
    webhook_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Webhooks (Standard Webhooks): the sender's poll for due retries, each attempt's
    # timeout, the wait before each attempt (the first is 0: at once; 8 attempts over
    # about 28 hours), the longest `Retry-After` honoured, how long an endpoint may fail
    # every attempt before it is disabled, and how long a rotated secret still signs.
    webhooks_enabled: bool = True
    webhook_poll_interval_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    webhook_retry_schedule_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]
    )
    webhook_retry_after_max_seconds: float = Field(default=36000.0, gt=0)
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    webhook_secret_grace_hours: float = Field(default=24.0, ge=0)
    # `shiftplanner webhooks purge` keeps finished deliveries this long.
    webhook_retention_days: int = Field(default=30, ge=1)
    # Deliveries one process sends at once (to endpoints that take them out of order).
    webhook_concurrency: int = Field(default=16, ge=1, le=256)
    # Email over SMTP (none: email notifications fail with that reason).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "ShiftPlanner <shiftplanner@localhost>"
    # SMS through a Twilio-compatible API: a form POST of To, From and Body to this URL
    # with the account id and token as basic auth.
    sms_api_url: str | None = None
    sms_account_sid: str | None = None
    sms_auth_token: SecretStr | None = None
    sms_from: str | None = None

    @field_validator(
        "jwt_previous_secrets",
        "trusted_proxies",
        "cors_origins",
        "metrics_allowed_networks",
        "webhook_allowed_networks",
        "webhook_retry_schedule_seconds",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """Lists come from the environment as comma-separated values."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies", "metrics_allowed_networks", "webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ip_network(item, strict=False)  # raises ValueError for a typo
        return value

    @field_validator("webhook_retry_schedule_seconds")
    @classmethod
    def _schedule(cls, value: list[float]) -> list[float]:
        if not value or any(delay < 0 for delay in value):
            raise ValueError("give one or more waits in seconds, none negative (0,5,300,...)")
        return value

    @field_validator(
        "rate_limit_read",
        "rate_limit_write",
        "rate_limit_login",
        "rate_limit_refresh",
        "rate_limit_graphql",
    )
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rate(value)  # raises ValueError with the reason
        return value

    @model_validator(mode="after")
    def _argon2_memory_fits_parallelism(self) -> Settings:
        if self.password_hash_memory_kib < 8 * self.password_hash_parallelism:
            raise ValueError(
                "SHIFTPLANNER_PASSWORD_HASH_MEMORY_KIB must be at least 8 × the parallelism"
            )
        return self

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if not secret:
            raise ValueError("SHIFTPLANNER_JWT_SECRET must be set in production")
        _refuse_weak(secret, "SHIFTPLANNER_JWT_SECRET")
        # A previous secret still verifies tokens: a weak one is as good as a weak current one.
        for position, previous in enumerate(self.jwt_previous_secrets, start=1):
            _refuse_weak(
                previous.get_secret_value(), f"SHIFTPLANNER_JWT_PREVIOUS_SECRETS (item {position})"
            )
        return self

    def rate_limits(self) -> dict[str, tuple[str, str]]:
        """Each kind of request (`read`, `write`, `login`, `refresh`, `graphql`): the
        counter it counts against and that counter's rate, from the preset and the
        overrides (an overridden kind counts on a counter of its own)."""
        overrides = {
            "read": self.rate_limit_read,
            "write": self.rate_limit_write,
            "login": self.rate_limit_login,
            "refresh": self.rate_limit_refresh,
            "graphql": self.rate_limit_graphql,
        }
        limits = {}
        for kind, (name, rate) in RATE_LIMIT_PRESETS[self.rate_limit_preset].items():
            override = overrides[kind]
            limits[kind] = (kind, override) if override else (name, rate)
        return limits

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def docs_visible(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else not self.is_production

    @property
    def profiler_available(self) -> bool:
        return (
            self.profiler_enabled if self.profiler_enabled is not None else not self.is_production
        )

    @property
    def logs_as_json(self) -> bool:
        return self.log_json if self.log_json is not None else self.is_production

    def signing_secret(self) -> str:
        """The JWT signing secret. In development without one configured, a random secret
        is kept in the data directory so that tokens survive a restart of `make run`."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / DEV_SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(secret)
        return secret


def _refuse_weak(secret: str, name: str) -> None:
    if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{name} is a placeholder or shorter than {MIN_SECRET_LENGTH} characters; "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )


def get_settings() -> Settings:
    return Settings()
