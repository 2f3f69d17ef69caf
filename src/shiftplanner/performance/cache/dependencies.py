"""The response cache as routes use it: `CachedAnswerDep` in a GET route, and
`await cached.serve(...)` with what would compute the answer.

The key is the organization, the version of its data when the request began, who may
see the answer, and the request (path and query). An `If-None-Match` naming the key's
ETag is answered 304 at once; a cached answer is returned as it was stored; otherwise the
answer is computed, stored and returned. Every answer says `X-Cache: HIT|MISS`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.performance.cache.keys import EVERYONE, etag, response_key
from shiftplanner.performance.cache.store import Lookup, ResponseStore
from shiftplanner.performance.compression import plain_etag
from shiftplanner.security.actor import Actor
from shiftplanner.security.dependencies import CurrentActor

JSON = "application/json"


class CachedAnswer:
    def __init__(self, request: Request, actor: Actor, store: ResponseStore | None) -> None:
        self.request = request
        self.actor = actor
        self.store = store

    def _audience(self, personal: bool) -> str:
        """Who may be shown the same answer: everyone in the organization, unless the
        answer holds personal records, which analysts and viewers see only their own of."""
        if not personal or self.actor.can_manage:
            return EVERYONE
        if self.actor.user_id is not None:
            return f"user-{self.actor.user_id}"
        return f"key-{self.actor.api_key_id}"

    async def serve(
        self,
        produce: Callable[[], Awaitable[BaseModel]],
        *,
        ttl: timedelta,
        personal: bool = False,
    ) -> Response:
        route = self.request.scope.get("route")
        endpoint = str(getattr(route, "path", self.request.url.path))
        if self.store is None or self.actor.data_version is None:
            answer = await produce()
            return _answer(answer.model_dump_json().encode(), None, Lookup.BYPASS)
        key = response_key(
            self.store.key_prefix,
            org_id=self.actor.org_id,
            data_version=self.actor.data_version,
            audience=self._audience(personal),
            path=self.request.url.path,
            query=self.request.query_params.multi_items(),
        )
        tag = etag(key)
        if tag in _tags(self.request.headers.get("if-none-match")):
            self.store.count(endpoint, Lookup.NOT_MODIFIED)
            return Response(status_code=304, headers={"ETag": tag, "X-Cache": "HIT"})
        body, lookup = await self.store.get(key)
        if body is None:
            body = (await produce()).model_dump_json().encode()
            await self.store.set(key, body, ttl)
        self.store.count(endpoint, lookup)
        return _answer(body, tag, lookup)


def _tags(if_none_match: str | None) -> set[str]:
    if not if_none_match:
        return set()
    return {plain_etag(tag.strip().removeprefix("W/")) for tag in if_none_match.split(",")}


def _answer(body: bytes, tag: str | None, lookup: Lookup) -> Response:
    headers = {"X-Cache": "HIT" if lookup in (Lookup.HIT_MEMORY, Lookup.HIT_REDIS) else "MISS"}
    if tag is not None:
        headers["ETag"] = tag
    return Response(content=body, media_type=JSON, headers=headers)


async def cached_answer(request: Request, actor: CurrentActor, runtime: RuntimeDep) -> CachedAnswer:
    return CachedAnswer(request, actor, runtime.response_store)


CachedAnswerDep = Annotated[CachedAnswer, Depends(cached_answer)]
