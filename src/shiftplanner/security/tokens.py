"""JWT access and refresh tokens (HS256). The key id (`kid`) is derived from the secret,
so tokens signed with a previous secret stay valid while it is listed as one."""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

from shiftplanner.errors import Unauthorized
from shiftplanner.kit.time import utcnow
from shiftplanner.models import Role

ALGORITHM = "HS256"
ISSUER = "shiftplanner"
VERIFIED_CAPACITY = 10_000


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    org_id: int
    role: Role
    kind: TokenKind
    jti: str
    issued_at: datetime
    expires_at: datetime
    # The sign-in (token family) the token belongs to; revoking it ends the token.
    family_id: str | None = None


def key_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class Tokens:
    def __init__(
        self,
        secret: str,
        *,
        access_ttl: timedelta,
        refresh_ttl: timedelta,
        previous_secrets: tuple[str, ...] = (),
    ) -> None:
        self._secret = secret
        self._kid = key_id(secret)
        self._keys = {key_id(s): s for s in (*previous_secrets, secret)}
        self._ttl = {TokenKind.ACCESS: access_ttl, TokenKind.REFRESH: refresh_ttl}
        # Access tokens verified lately, by the token itself: a token cannot change, so
        # its signature need not be checked again on every request (its expiry is).
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    def issue(
        self, *, user_id: int, org_id: int, role: Role, kind: TokenKind, family_id: str
    ) -> tuple[str, TokenClaims]:
        now = utcnow().replace(microsecond=0)
        claims = TokenClaims(
            user_id=user_id,
            org_id=org_id,
            role=role,
            kind=kind,
            jti=uuid.uuid4().hex,
            issued_at=now,
            expires_at=now + self._ttl[kind],
            family_id=family_id,
        )
        token = jwt.encode(
            {
                "iss": ISSUER,
                "sub": str(user_id),
                "org": org_id,
                "role": role.value,
                "typ": kind.value,
                "jti": claims.jti,
                "fam": family_id,
                "iat": claims.issued_at,
                "exp": claims.expires_at,
            },
            self._secret,
            algorithm=ALGORITHM,
            headers={"kid": self._kid},
        )
        return token, claims

    @property
    def key_ids(self) -> tuple[str, list[str]]:
        """The key id tokens are signed with now, and those still accepted."""
        return self._kid, sorted(kid for kid in self._keys if kid != self._kid)

    def ttl_seconds(self, kind: TokenKind) -> int:
        return int(self._ttl[kind].total_seconds())

    def decode(self, token: str, *, expected: TokenKind) -> TokenClaims:
        """The claims of a valid token of the expected kind (else 401). Access tokens are
        remembered once verified, for as long as they are valid."""
        if expected is TokenKind.ACCESS:
            known = self._verified.get(token)
            if known is not None and known.expires_at > utcnow():
                return known
        claims = self._verify(token, expected=expected)
        if expected is TokenKind.ACCESS:
            self._verified[token] = claims
            while len(self._verified) > VERIFIED_CAPACITY:
                self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str, *, expected: TokenKind) -> TokenClaims:
        invalid = Unauthorized(f"The {expected.value} token is invalid or expired.")
        try:
            header = jwt.get_unverified_header(token)
            secret = self._keys.get(str(header.get("kid", "")))
            if secret is None:
                raise invalid
            payload = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "fam"]},
            )
            claims = TokenClaims(
                user_id=int(payload["sub"]),
                org_id=int(payload["org"]),
                role=Role(payload["role"]),
                kind=TokenKind(payload["typ"]),
                jti=str(payload["jti"]),
                issued_at=datetime.fromtimestamp(payload["iat"], tz=utcnow().tzinfo),
                expires_at=datetime.fromtimestamp(payload["exp"], tz=utcnow().tzinfo),
                family_id=str(payload["fam"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            raise invalid from None
        if claims.kind is not expected:
            raise invalid
        return claims
