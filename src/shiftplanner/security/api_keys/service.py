"""API keys: created by an admin, shown once, stored as a SHA-256 of their secret,
scoped to a role and an organization, revocable, with their last use recorded.

A key never carries more power than its creator has now: it works only while the admin
who made it is an active admin of its organization, and disabling, demoting or deleting
that admin revokes their keys (with the reason, audited)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, Forbidden, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.models import ApiKey, AuditOutcome, Role, User
from shiftplanner.security.actor import Actor
from shiftplanner.security.api_keys import schemas
from shiftplanner.security.api_keys.repository import ApiKeyRepository
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.credentials import API_KEY_SCHEME, split_api_key

# Record a key's use at most this often: a write per request would be a write per scrape.
USE_RECORD_INTERVAL = timedelta(minutes=1)

REVOKED = "revoked"
CREATOR_DISABLED = "creator_disabled"
CREATOR_DEMOTED = "creator_demoted"
CREATOR_DELETED = "creator_deleted"


def _digest(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is as good as a slow one here.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    session: AsyncSession, actor: Actor, data: schemas.ApiKeyCreate
) -> tuple[ApiKey, str]:
    """Returns the key record and the full key, which only this answer ever shows."""
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise InvalidInput("The expiry is in the past.", pointer="#/expires_at")
    scopes = sorted(set(data.scopes))
    if schemas.ApiKeyScope.MONITORING in scopes and not actor.is_superuser:
        raise Forbidden("Only the platform operator can grant the `monitoring` scope.")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = await ApiKeyRepository(session).add(
        ApiKey(
            org_id=actor.org_id,
            name=data.name,
            prefix=prefix,
            secret_hash=_digest(secret),
            role=data.role,
            scopes=[scope.value for scope in scopes],
            created_by_user_id=actor.user_id,
            expires_at=data.expires_at,
        )
    )
    emit_resource_event(
        session, EventType.API_KEY_CREATED, key, schemas.ApiKey, actor_user_id=actor.user_id
    )
    return key, f"{API_KEY_SCHEME}_{prefix}_{secret}"


async def list_api_keys(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[ApiKey], str | None]:
    repository = ApiKeyRepository(session)
    return await repository.page(repository.scoped(actor.org_id), params)


async def get_api_key(session: AsyncSession, actor: Actor, key_id: int) -> ApiKey:
    key = await ApiKeyRepository(session).get(actor.org_id, key_id)
    if key is None:
        raise NotFound.resource("API key", key_id)
    return key


async def _revoke(session: AsyncSession, actor: Actor, key: ApiKey, reason: str) -> None:
    await update_with_event(
        session,
        key,
        {"revoked_at": utcnow(), "revoked_reason": reason},
        schemas.ApiKey,
        EventType.API_KEY_REVOKED,
        actor_user_id=actor.user_id,
    )


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: int) -> ApiKey:
    key = await get_api_key(session, actor, key_id)
    if key.revoked_at is not None:
        raise Conflict("The key is already revoked.")
    await _revoke(session, actor, key, REVOKED)
    return key


async def revoke_created_by(
    session: AsyncSession, actor: Actor, user_id: int, *, reason: str
) -> list[ApiKey]:
    """Revoke every key a user created, because the user no longer holds the power the
    keys act with (disabled, demoted or about to be deleted). Each revocation is an
    `api_key.revoked` event, audited with the reason."""
    keys = await ApiKeyRepository(session).unrevoked_created_by(actor.org_id, user_id)
    for key in keys:
        await _revoke(session, actor, key, reason)
    return keys


def _vouched_for(key: ApiKey, creator: User | None) -> bool:
    """Whether the key's creator still has the power to have made it."""
    return (
        creator is not None
        and creator.is_active
        and creator.org_id == key.org_id
        and creator.role is Role.ADMIN
        and (schemas.ApiKeyScope.MONITORING not in key.scopes or creator.is_superuser)
    )


async def find_live(session: AsyncSession, token: str) -> ApiKey | None:
    """The unrevoked, unexpired key a presented token is, if its creator still vouches for
    it, or None. Reads only."""
    found = await _live(session, token)
    return found[0] if found is not None else None


async def _live(session: AsyncSession, token: str) -> tuple[ApiKey, str | None] | None:
    """`find_live`, with the version of the key's organization's data."""
    parts = split_api_key(token)
    if parts is None:
        return None
    found = await ApiKeyRepository(session).get_with_creator(parts.prefix)
    key, creator, data_version = found if found is not None else (None, None, None)
    expected = key.secret_hash if key is not None else _digest("no such key")
    matches = hmac.compare_digest(expected, _digest(parts.secret))
    if key is None or not matches or key.revoked_at is not None:
        return None
    if not _vouched_for(key, creator):
        return None
    if key.expires_at is not None and key.expires_at <= utcnow():
        return None
    return key, data_version


async def authenticate(session: AsyncSession, token: str) -> tuple[ApiKey, str | None] | None:
    """The live key a presented token is, with its organization's data version, or None.
    Records its use (and audits it) at most once a minute."""
    found = await _live(session, token)
    if found is None:
        return None
    key = found[0]
    now = utcnow()
    if await ApiKeyRepository(session).mark_used(key.id, now, not_since=now - USE_RECORD_INTERVAL):
        audit_service.record(
            session,
            action="api_key.used",
            outcome=AuditOutcome.SUCCESS,
            org_id=key.org_id,
            actor_api_key_id=key.id,
            resource_type="api_key",
            resource_id=key.id,
        )
    return found
