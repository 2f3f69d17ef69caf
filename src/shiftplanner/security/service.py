"""The security view: effective settings without secrets, and rate-limit quotas by identity."""

from __future__ import annotations

from ipaddress import ip_address

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Forbidden, InvalidInput, NotFound
from shiftplanner.kit.validators import parse_id
from shiftplanner.models import User
from shiftplanner.runtime import Runtime
from shiftplanner.security import schemas
from shiftplanner.security.actor import Actor
from shiftplanner.security.api_keys import service as api_key_service
from shiftplanner.security.middleware import SECURITY_HEADERS
from shiftplanner.security.tokens import ALGORITHM


def effective_config(runtime: Runtime) -> schemas.SecurityConfig:
    settings = runtime.settings
    signing_key, previous_keys = runtime.tokens.key_ids
    limiter = runtime.rate_limiter
    return schemas.SecurityConfig(
        environment=settings.env.value,
        tokens=schemas.TokenSettings(
            algorithm=ALGORITHM,
            access_ttl_seconds=settings.jwt_access_ttl_seconds,
            refresh_ttl_seconds=settings.jwt_refresh_ttl_seconds,
            refresh_rotation=True,
            signing_key_id=signing_key,
            accepted_previous_key_ids=previous_keys,
            secret="set" if settings.jwt_secret else "generated for development (data directory)",
        ),
        passwords=schemas.PasswordSettings(
            hash="argon2id",
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
            min_length=settings.password_min_length,
            common_password_check=True,
            hash_threads=settings.password_hash_threads,
        ),
        login_throttle=schemas.LoginThrottleSettings(
            failures_per_email_and_address=settings.login_lockout_attempts,
            failures_per_email_before_delays=settings.login_account_attempts,
            failures_per_address=settings.login_address_attempts,
            window_seconds=settings.login_lockout_window_seconds,
            trusted_address_days=settings.login_trusted_address_days,
        ),
        rate_limits=schemas.RateLimitSettings(
            enabled=limiter.enabled,
            preset=limiter.preset,
            strategy="moving window",
            storage=limiter.storage_name,
            policies={
                kind: f"{p.name}: {p.limit} per {p.window_seconds} s"
                for kind, p in limiter.kinds.items()
            },
            trusted_proxies=settings.trusted_proxies,
        ),
        transport=schemas.TransportSettings(
            cors_origins=settings.cors_origins,
            max_body_bytes=settings.max_body_bytes,
            docs_enabled=settings.docs_visible,
            hsts_max_age_seconds=settings.hsts_max_age_seconds,
            security_headers=dict(SECURITY_HEADERS),
        ),
        audit_retention_days=settings.audit_retention_days,
    )


async def _identity(session: AsyncSession, actor: Actor, identifier: str) -> str:
    """The limiter's key for an identifier the caller may look at."""
    kind, _, value = identifier.partition(":")
    invalid = InvalidInput(
        "Name a `user:<id>`, `key:<id>` or `ip:<address>`.",
        errors=[
            {
                "parameter": "identifier",
                "in": "path",
                "detail": "user:<id>, key:<id> or ip:<address>",
            }
        ],
    )
    if kind in ("user", "key"):
        number = parse_id(value)
        if number is None:
            raise invalid
        if kind == "user":
            user = await session.scalar(
                select(User).where(User.id == number, User.org_id == actor.org_id)
            )
            if user is None:
                raise NotFound.resource("User", number)
            return f"user:{user.id}"
        key = await api_key_service.get_api_key(session, actor, number)
        return f"key:{key.prefix}"
    if kind == "ip":
        try:
            address = ip_address(value)
        except ValueError:
            raise invalid from None
        if not actor.is_superuser:
            raise Forbidden(
                "Only the platform operator can look up addresses; they are shared by tenants."
            )
        return f"ip:{address}"
    raise invalid


async def rate_limit_status(
    session: AsyncSession, runtime: Runtime, actor: Actor, identifier: str
) -> schemas.RateLimitStatus:
    """What is left of the quotas of a user, API key or (platform operator) address."""
    return await _status(runtime, identifier, await _identity(session, actor, identifier))


async def own_rate_limit_status(
    session: AsyncSession, runtime: Runtime, actor: Actor
) -> schemas.RateLimitStatus:
    """What is left of the caller's own quotas."""
    if actor.api_key_id is not None:
        key = await api_key_service.get_api_key(session, actor, actor.api_key_id)
        return await _status(runtime, f"key:{key.id}", f"key:{key.prefix}")
    return await _status(runtime, f"user:{actor.user_id}", f"user:{actor.user_id}")


async def _status(runtime: Runtime, identifier: str, identity: str) -> schemas.RateLimitStatus:
    decisions = await runtime.rate_limiter.status(identity)
    return schemas.RateLimitStatus(
        identifier=identifier,
        policies=[
            schemas.PolicyQuota(
                policy=d.policy.name,
                limit=d.policy.limit,
                window_seconds=d.policy.window_seconds,
                remaining=d.remaining,
                reset_after_seconds=d.reset_after,
            )
            for d in decisions
        ],
    )
