"""The credential a request presents: a bearer JWT, or an API key (`spk_<prefix>_<secret>`)
as a bearer token or in `X-API-Key`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

from shiftplanner.errors import Unauthorized
from shiftplanner.security.tokens import TokenKind, Tokens

API_KEY_SCHEME = "spk"


@dataclass(frozen=True, slots=True)
class ApiKeyParts:
    prefix: str
    secret: str


def split_api_key(token: str) -> ApiKeyParts | None:
    scheme, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_KEY_SCHEME or not prefix or not secret:
        return None
    return ApiKeyParts(prefix, secret)


def presented(authorization: str | None, api_key: str | None) -> str | None:
    """The token from `Authorization: Bearer <token>` or `X-API-Key: <key>`."""
    if api_key:
        return api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def rate_limit_identity(scope: Scope, tokens: Tokens) -> str | None:
    """Who is asking, for counting requests, without touching the database: the API key
    prefix, or the user of a validly signed access token. None for anonymous callers."""
    token = presented(_header(scope, b"authorization"), _header(scope, b"x-api-key"))
    if token is None:
        return None
    parts = split_api_key(token)
    if parts is not None:
        return f"key:{parts.prefix}"
    try:
        claims = tokens.decode(token, expected=TokenKind.ACCESS)
    except Unauthorized:
        return None
    return f"user:{claims.user_id}"
