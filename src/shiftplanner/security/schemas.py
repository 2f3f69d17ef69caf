from __future__ import annotations

from pydantic import Field

from shiftplanner.kit.schemas import Schema


class PolicyQuota(Schema):
    policy: str
    limit: int
    window_seconds: int
    remaining: int | None = Field(description="Null when the counter storage could not be asked.")
    reset_after_seconds: int


class RateLimitStatus(Schema):
    identifier: str
    policies: list[PolicyQuota]


class TokenSettings(Schema):
    algorithm: str
    access_ttl_seconds: int
    refresh_ttl_seconds: int
    refresh_rotation: bool
    signing_key_id: str
    accepted_previous_key_ids: list[str]
    secret: str


class PasswordSettings(Schema):
    hash: str
    time_cost: int
    memory_kib: int
    parallelism: int
    min_length: int
    common_password_check: bool
    hash_threads: int


class LoginThrottleSettings(Schema):
    failures_per_email_and_address: int
    failures_per_email_before_delays: int
    failures_per_address: int
    window_seconds: int
    trusted_address_days: int


class RateLimitSettings(Schema):
    enabled: bool
    preset: str
    strategy: str
    storage: str
    policies: dict[str, str] = Field(description="By kind of request: its counter and rate.")
    trusted_proxies: list[str]


class TransportSettings(Schema):
    cors_origins: list[str]
    max_body_bytes: int
    docs_enabled: bool
    hsts_max_age_seconds: int
    security_headers: dict[str, str]


class SecurityConfig(Schema):
    environment: str
    tokens: TokenSettings
    passwords: PasswordSettings
    login_throttle: LoginThrottleSettings
    rate_limits: RateLimitSettings
    transport: TransportSettings
    audit_retention_days: int
