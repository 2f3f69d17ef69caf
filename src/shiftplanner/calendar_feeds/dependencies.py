from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shiftplanner.security.context import RequestContext


async def get_base_url(request: Request) -> str:
    """Where the caller reached the service (`https://host[:port]`), for the URLs a
    calendar app subscribes to: HTTPS when the request came over it, directly or through
    a trusted proxy that says so."""
    context = getattr(request.state, "context", None)
    https = isinstance(context, RequestContext) and context.https
    return f"{'https' if https else request.url.scheme}://{request.url.netloc}"


async def get_host(request: Request) -> str:
    """The host name the request named: the domain part of the events' UIDs."""
    return request.url.hostname or "localhost"


BaseUrl = Annotated[str, Depends(get_base_url)]
Host = Annotated[str, Depends(get_host)]
