"""Signing in and out.

- Login: email and password for an access token and a refresh token of a new token
  family (one sign-in). Every attempt is audited; N failures of an account within the
  window lock it (429) until they age out.
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
from shiftplanner.kit.time import utcnow
from shiftplanner.models import AuditOutcome, User
from shiftplanner.orgs import service as org_service
from shiftplanner.orgs.schemas import Organization
from shiftplanner.security import lockout, sessions
from shiftplanner.security.actor import Actor
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.passwords import Passwords
from shiftplanner.security.sessions import RefreshOutcome
from shiftplanner.security.tokens import TokenClaims, TokenKind, Tokens
from shiftplanner.users import service as user_service
from shiftplanner.users.schemas import User as UserSchema

LOGIN = "auth.login"
WRONG_CREDENTIALS = "The email or password is wrong, or the account is disabled."


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
    policy: lockout.LockoutPolicy,
    data: schemas.LoginRequest,
) -> schemas.TokenPair:
    account = await user_service.find_by_email(session, data.email)
    about = (
        {"resource_type": "user", "resource_id": account.id, "org_id": account.org_id}
        if account
        else {}
    )
    # The same queries for an unknown email, so the answer's timing does not tell them apart.
    attempts = await audit_service.login_attempts(
        session, account.id if account else 0, utcnow() - policy.window
    )
    if account is not None:
        wait = lockout.retry_after(policy, attempts, utcnow())
        if wait is not None:
            audit_service.record(
                session,
                action=LOGIN,
                outcome=AuditOutcome.DENIED,
                details={"reason": "locked_out"},
                **about,
            )
            raise TooManyRequests(
                f"Too many failed logins for this account; try again in {wait} s.",
                headers={"Retry-After": str(wait)},
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
        if account is not None:
            await _lock_if_due(session, policy, account)
        raise Unauthorized(WRONG_CREDENTIALS, keep_changes=True)
    family_id = await sessions.open_family(session, user.id)
    audit_service.record(
        session, action=LOGIN, outcome=AuditOutcome.SUCCESS, actor_user_id=user.id, **about
    )
    return _issue_pair(session, tokens, user, family_id)


async def _lock_if_due(session: AsyncSession, policy: lockout.LockoutPolicy, account: User) -> None:
    """Audit the lockout when this failure is the one that starts it."""
    await session.flush()
    attempts = await audit_service.login_attempts(session, account.id, utcnow() - policy.window)
    failures = [outcome for _, outcome in attempts if outcome is AuditOutcome.FAILURE]
    if (
        lockout.retry_after(policy, attempts, utcnow()) is not None
        and len(failures) == policy.attempts
    ):
        audit_service.record(
            session,
            action="auth.lockout",
            outcome=AuditOutcome.DENIED,
            org_id=account.org_id,
            resource_type="user",
            resource_id=account.id,
            details={
                "failures": policy.attempts,
                "window_seconds": int(policy.window.total_seconds()),
            },
        )


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
