"""Signing in and out.

- Login: email and password for an access token and a refresh token of a new token
  family (one sign-in). Every attempt is audited; failed ones are throttled (429) by
  `security.login_throttle`.
- Refresh: a refresh token works once and yields the next pair of its family; a second
  use means it was stolen, and the whole family is revoked.
- Logout: revokes the family, so its access token stops working at once too.

Refusals that must leave a trace (the audit entry, a revocation) are raised with
`keep_changes`, so the request's transaction commits them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.auth import schemas
from shiftplanner.errors import TooManyRequests, Unauthorized
from shiftplanner.models import AuditOutcome, User
from shiftplanner.orgs import service as org_service
from shiftplanner.orgs.schemas import Organization
from shiftplanner.security import sessions
from shiftplanner.security.actor import Actor
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.login_throttle.service import LoginThrottle
from shiftplanner.security.passwords import Passwords
from shiftplanner.security.sessions import RefreshOutcome
from shiftplanner.security.tokens import TokenClaims, TokenKind, Tokens
from shiftplanner.users import service as user_service
from shiftplanner.users.schemas import User as UserSchema

LOGIN = "auth.login"
WRONG_CREDENTIALS = "The email or password is wrong, or the account is disabled."
# Why a sign-in is held back, by throttle rule.
THROTTLED = {
    "account_from_address": "Too many failed sign-ins for this email from your address",
    "account": "Too many failed sign-ins for this email; each further one waits longer",
    "address": "Too many failed sign-ins from your address",
}


def _issue_pair(
    session: AsyncSession, tokens: Tokens, user: User, family_id: str
) -> schemas.TokenPair:
    access, _ = tokens.issue(
        user_id=user.id,
        org_id=user.org_id,
        role=user.role,
        kind=TokenKind.ACCESS,
        family_id=family_id,
    )
    refresh, refresh_claims = tokens.issue(
        user_id=user.id,
        org_id=user.org_id,
        role=user.role,
        kind=TokenKind.REFRESH,
        family_id=family_id,
    )
    sessions.remember_refresh(session, refresh_claims)
    return schemas.TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=tokens.ttl_seconds(TokenKind.ACCESS),
        refresh_expires_in=tokens.ttl_seconds(TokenKind.REFRESH),
    )


async def login(
    session: AsyncSession,
    passwords: Passwords,
    tokens: Tokens,
    throttle: LoginThrottle,
    data: schemas.LoginRequest,
    *,
    client_ip: str | None,
) -> schemas.TokenPair:
    """Sign in. Unknown and known emails take the same path and time, and are throttled
    alike (`security.login_throttle`); every attempt is audited."""
    # First, before this session takes a connection: the throttle takes one of its own.
    attempt = await throttle.reserve(data.email, client_ip)
    account = await user_service.find_by_email(session, data.email)
    about = (
        {"resource_type": "user", "resource_id": account.id, "org_id": account.org_id}
        if account
        else {}
    )
    if attempt.refused_by is not None:
        audit_service.record(
            session,
            action=LOGIN,
            outcome=AuditOutcome.DENIED,
            details={"reason": "throttled", "rule": attempt.refused_by},
            **about,
        )
        raise TooManyRequests(
            f"{THROTTLED[attempt.refused_by]}; try again in {attempt.retry_after} s.",
            headers={"Retry-After": str(attempt.retry_after)},
            keep_changes=True,
        )
    user = await user_service.authenticate(
        session, passwords, data.email, data.password.get_secret_value()
    )
    if user is None:
        audit_service.record(
            session,
            action=LOGIN,
            outcome=AuditOutcome.FAILURE,
            details={"email": data.email},
            **about,
        )
        for rule in attempt.lockouts if account is not None else ():
            audit_service.record(
                session,
                action="auth.lockout",
                outcome=AuditOutcome.DENIED,
                details={"rule": rule, "client_ip": client_ip},
                **about,
            )
        raise Unauthorized(WRONG_CREDENTIALS, keep_changes=True)
    await throttle.succeeded(session, attempt)
    family_id = await sessions.open_family(session, user.id)
    audit_service.record(
        session, action=LOGIN, outcome=AuditOutcome.SUCCESS, actor_user_id=user.id, **about
    )
    return _issue_pair(session, tokens, user, family_id)


async def refresh(
    session: AsyncSession, tokens: Tokens, data: schemas.RefreshRequest
) -> schemas.TokenPair:
    claims = tokens.decode(data.refresh_token, expected=TokenKind.REFRESH)
    use = await sessions.use_refresh(session, claims)
    about = {"resource_type": "user", "resource_id": claims.user_id, "org_id": claims.org_id}
    if use.outcome is RefreshOutcome.REUSED:
        audit_service.record(
            session,
            action="auth.refresh_reused",
            outcome=AuditOutcome.DENIED,
            details={"family_revoked": use.family_id},
            **about,
        )
        raise Unauthorized(
            "This refresh token was already used: the sign-in is revoked. Sign in again.",
            keep_changes=True,
        )
    user = await user_service.get_active(session, claims.user_id)
    if use.outcome is RefreshOutcome.INVALID or user is None or user.org_id != claims.org_id:
        raise Unauthorized("The refresh token is not valid any more; sign in again.")
    assert use.family_id is not None
    audit_service.record(
        session, action="auth.refresh", outcome=AuditOutcome.SUCCESS, actor_user_id=user.id, **about
    )
    return _issue_pair(session, tokens, user, use.family_id)


async def logout(session: AsyncSession, claims: TokenClaims) -> None:
    assert claims.family_id is not None
    await sessions.revoke_family(session, claims.family_id, reason="logout")
    audit_service.record(
        session,
        action="auth.logout",
        outcome=AuditOutcome.SUCCESS,
        org_id=claims.org_id,
        resource_type="user",
        resource_id=claims.user_id,
    )


async def me(session: AsyncSession, actor: Actor, user: User) -> schemas.Me:
    organization = await org_service.get_organization(session, actor, actor.org_id)
    analyst = await analyst_service.find_by_user(session, actor, user.id)
    return schemas.Me(
        user=UserSchema.model_validate(user),
        organization=Organization.model_validate(organization),
        analyst_id=analyst.id if analyst else None,
    )
