"""Sign-in sessions as token families, and the one-use rule of refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import DataVersion, RefreshToken, Role, TokenFamily, User
from shiftplanner.security.tokens import TokenClaims


class RefreshOutcome(StrEnum):
    ROTATED = "rotated"  # first use: the caller gets the next token of the family
    REUSED = "reused"  # a second use: the family is now revoked
    INVALID = "invalid"  # unknown, expired or already revoked


@dataclass(frozen=True, slots=True)
class RefreshUse:
    outcome: RefreshOutcome
    family_id: str | None = None


async def open_family(session: AsyncSession, user_id: int) -> str:
    family = TokenFamily(id=uuid.uuid4().hex, user_id=user_id)
    session.add(family)
    await session.flush()
    return family.id


def remember_refresh(session: AsyncSession, claims: TokenClaims) -> None:
    assert claims.family_id is not None
    session.add(
        RefreshToken(
            jti=claims.jti,
            family_id=claims.family_id,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
        )
    )


async def use_refresh(session: AsyncSession, claims: TokenClaims) -> RefreshUse:
    """Spend a refresh token. One conditional UPDATE decides between two concurrent uses,
    on SQLite and PostgreSQL alike: exactly one of them rotates."""
    token = await session.get(RefreshToken, claims.jti)
    if token is None or token.family_id != claims.family_id:
        return RefreshUse(RefreshOutcome.INVALID)
    family = await session.get(TokenFamily, token.family_id)
    if family is None or family.revoked_at is not None or family.user_id != claims.user_id:
        return RefreshUse(RefreshOutcome.INVALID, token.family_id)
    spent = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == claims.jti, RefreshToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) == 1:
        return RefreshUse(RefreshOutcome.ROTATED, token.family_id)
    await revoke_family(session, token.family_id, reason="refresh_token_reused")
    return RefreshUse(RefreshOutcome.REUSED, token.family_id)


async def revoke_family(session: AsyncSession, family_id: str, *, reason: str) -> None:
    await session.execute(
        update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


async def revoke_user_sessions(session: AsyncSession, user_id: int, *, reason: str) -> None:
    """End every sign-in of a user (password changed, account disabled)."""
    await session.execute(
        update(TokenFamily)
        .where(TokenFamily.user_id == user_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request's sign-in is now, as the database says: the account's current state
    (whatever the token says of it) and the version of its organization's data."""

    org_id: int
    role: Role
    is_active: bool
    is_superuser: bool
    data_version: str | None

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Principal:
        """From a row of PRINCIPAL_QUERY, typed by SQLAlchemy or straight off the driver
        (SQLite's 0/1 for booleans, the role's plain string)."""
        org_id, role, is_active, is_superuser, epoch, version = row
        return cls(
            org_id=int(org_id),
            role=Role(role),
            is_active=bool(is_active),
            is_superuser=bool(is_superuser),
            data_version=None if epoch is None else f"{epoch}.{version}",
        )


# The query every authenticated request makes: the sign-in's account if the sign-in is
# still on (its family not revoked), and its organization's data version.
PRINCIPAL_QUERY = (
    select(
        User.org_id,
        User.role,
        User.is_active,
        User.is_superuser,
        DataVersion.epoch,
        DataVersion.version,
    )
    .join(TokenFamily, TokenFamily.user_id == User.id)
    .outerjoin(DataVersion, DataVersion.org_id == User.org_id)
    .where(
        TokenFamily.id == bindparam("family_id"),
        TokenFamily.user_id == bindparam("user_id"),
        TokenFamily.revoked_at.is_(None),
    )
)


async def signed_in(
    db: AsyncSession | AsyncConnection, family_id: str, user_id: int
) -> Principal | None:
    """The principal of a sign-in that is still on, through SQLAlchemy; None once it
    ended (logout, revocation) or the account is gone. Requests read it faster through
    `security.principals`."""
    row = (
        await db.execute(PRINCIPAL_QUERY, {"family_id": family_id, "user_id": user_id})
    ).one_or_none()
    return None if row is None else Principal.from_row(row)
