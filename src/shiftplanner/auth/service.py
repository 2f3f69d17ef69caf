"""Signing in: email and password for a pair of tokens, a refresh token for a new pair."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.auth import schemas
from shiftplanner.errors import Unauthorized
from shiftplanner.models import User
from shiftplanner.orgs import service as org_service
from shiftplanner.orgs.schemas import Organization
from shiftplanner.security.actor import Actor
from shiftplanner.security.passwords import Passwords
from shiftplanner.security.tokens import TokenKind, Tokens
from shiftplanner.users import service as user_service
from shiftplanner.users.schemas import User as UserSchema


def issue_pair(tokens: Tokens, user: User) -> schemas.TokenPair:
    access, _ = tokens.issue(
        user_id=user.id, org_id=user.org_id, role=user.role, kind=TokenKind.ACCESS
    )
    refresh, _ = tokens.issue(
        user_id=user.id, org_id=user.org_id, role=user.role, kind=TokenKind.REFRESH
    )
    return schemas.TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=tokens.ttl_seconds(TokenKind.ACCESS),
        refresh_expires_in=tokens.ttl_seconds(TokenKind.REFRESH),
    )


async def login(
    session: AsyncSession, passwords: Passwords, tokens: Tokens, data: schemas.LoginRequest
) -> schemas.TokenPair:
    user = await user_service.authenticate(
        session, passwords, data.email, data.password.get_secret_value()
    )
    if user is None:
        raise Unauthorized("The email or password is wrong, or the account is disabled.")
    return issue_pair(tokens, user)


async def refresh(
    session: AsyncSession, tokens: Tokens, data: schemas.RefreshRequest
) -> schemas.TokenPair:
    claims = tokens.decode(data.refresh_token, expected=TokenKind.REFRESH)
    user = await user_service.get_active(session, claims.user_id)
    if user is None or user.org_id != claims.org_id:
        raise Unauthorized("The account behind this token no longer exists or is disabled.")
    return issue_pair(tokens, user)


async def me(session: AsyncSession, actor: Actor, user: User) -> schemas.Me:
    organization = await org_service.get_organization(session, actor, actor.org_id)
    analyst = await analyst_service.find_by_user(session, actor, user.id)
    return schemas.Me(
        user=UserSchema.model_validate(user),
        organization=Organization.model_validate(organization),
        analyst_id=analyst.id if analyst else None,
    )
