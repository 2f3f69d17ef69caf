"""The credential a request presents: a bearer JWT, or an API key (`spk_<prefix>_<secret>`)
as a bearer token or in `X-API-Key`."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.types import Scope

from shiftplanner.errors import Unauthorized
from shiftplanner.security.context import header
from shiftplanner.security.tokens import TokenKind, Tokens

API_KEY_SCHEME = "spk"
# Request state keys of what an outer layer learnt of the request's token, for the
# routes' authentication to reuse: the rate limiter's verified claims, and the cache's
# fast path's principal.
DECODED_ACCESS_TOKEN = "decoded_access_token"  # noqa: S105 (a key name)
PRINCIPAL = "principal"

Learnt = TypeVar("Learnt")


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


class VerifiedKeys:
    """The API keys that authenticated in this process lately, by a digest of the whole
    key. The rate limiter counts a key's requests as the key's only once it is known to
    be genuine; a guessed or made-up key counts against the caller's address, so it can
    neither escape the address's limit nor use up a real key's quota."""

    def __init__(self, *, ttl_seconds: float = 300.0, capacity: int = 10_000) -> None:
        self._ttl = ttl_seconds
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()

    @staticmethod
    def _digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def remember(self, token: str) -> None:
        digest = self._digest(token)
        self._seen[digest] = time.monotonic() + self._ttl
        self._seen.move_to_end(digest)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    def knows(self, token: str) -> bool:
        expires = self._seen.get(self._digest(token))
        return expires is not None and expires > time.monotonic()


KeyCheck = Callable[[str], Awaitable[bool]]


async def rate_limit_identity(
    scope: Scope, tokens: Tokens, verified_keys: VerifiedKeys, check_key: KeyCheck
) -> str | None:
    """Who is asking, for counting requests: a genuine API key (checked against the
    database once, then remembered), or the user of a validly signed access token. None
    for anonymous callers and for credentials that are not genuine."""
    token = presented(header(scope, b"authorization"), header(scope, b"x-api-key"))
    if token is None:
        return None
    parts = split_api_key(token)
    if parts is not None:
        if not verified_keys.knows(token):
            if not await check_key(token):
                return None
            verified_keys.remember(token)
        return f"key:{parts.prefix}"
    try:
        claims = tokens.decode(token, expected=TokenKind.ACCESS)
    except Unauthorized:
        return None
    # Authentication reads them again: a token is verified once per request.
    remember(scope, DECODED_ACCESS_TOKEN, token, claims)
    return f"user:{claims.user_id}"


def remember(scope: Scope, key: str, token: str, learnt: object) -> None:
    """Keep what was learnt of `token` in the request's state, under `key`."""
    scope.setdefault("state", {})[key] = (token, learnt)


def remembered(state: object, key: str, token: str, kind: type[Learnt]) -> Learnt | None:
    """What `remember` kept under `key`, if it was learnt of this very token."""
    found = getattr(state, key, None)
    if isinstance(found, tuple) and found[0] == token and isinstance(found[1], kind):
        return found[1]
    return None
