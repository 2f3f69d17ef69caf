"""The response cache as routes use it: `CachedAnswerDep` in a GET route of
`keys.CACHEABLE`, and `await cached.serve(...)` with what would compute the answer.

The key is the organization, the version of its data when the request began, who may
see the answer, and the request (path and query). An `If-None-Match` naming the key's
ETag is answered 304 at once; a cached answer is returned as it was stored; otherwise the
answer is computed, stored and returned. Every answer says `X-Cache: HIT|MISS`. (Hits
are mostly answered before routing, by `fast_path`; this is where misses are filled.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.performance.cache.keys import CACHEABLE, audience, etag, response_key
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

    async def serve(self, produce: Callable[[], Awaitable[BaseModel]]) -> Response:
        """The answer, from the cache or computed by `produce` (then kept)."""
        route = self.request.scope.get("route")
        endpoint = str(getattr(route, "path", self.request.url.path))
        cacheable = CACHEABLE[endpoint]
        if self.store is None or self.actor.data_version is None:
            answer = await produce()
            return answer_response(answer.model_dump_json().encode(), None, Lookup.BYPASS)
        key = response_key(
            self.store.key_prefix,
            org_id=self.actor.org_id,
            data_version=self.actor.data_version,
            audience=audience(
                personal=cacheable.personal,
                can_manage=self.actor.can_manage,
                user_id=self.actor.user_id,
                api_key_id=self.actor.api_key_id,
            ),
            path=self.request.url.path,
            query=self.request.query_params.multi_items(),
        )
        tag = etag(key)
        if not_modified(tag, self.request.headers):
            self.store.count(endpoint, Lookup.NOT_MODIFIED)
            return Response(status_code=304, headers={"ETag": tag, "X-Cache": "HIT"})
        body, lookup = await self.store.get(key)
        if body is None:
            body = (await produce()).model_dump_json().encode()
            await self.store.set(key, body, cacheable.ttl)
        self.store.count(endpoint, lookup)
        return answer_response(body, tag, lookup)


def not_modified(tag: str, headers: Mapping[str, str]) -> bool:
    """Whether `If-None-Match` names this ETag (weakly, in either of its encodings)."""
    if_none_match = headers.get("if-none-match")
    if not if_none_match:
        return False
    return tag in {plain_etag(t.strip().removeprefix("W/")) for t in if_none_match.split(",")}


def answer_response(body: bytes, tag: str | None, lookup: Lookup) -> Response:
    headers = {"X-Cache": "HIT" if lookup in (Lookup.HIT_MEMORY, Lookup.HIT_REDIS) else "MISS"}
    if tag is not None:
        headers["ETag"] = tag
    return Response(content=body, media_type=JSON, headers=headers)


async def cached_answer(request: Request, actor: CurrentActor, runtime: RuntimeDep) -> CachedAnswer:
    return CachedAnswer(request, actor, runtime.response_store)


CachedAnswerDep = Annotated[CachedAnswer, Depends(cached_answer)]
