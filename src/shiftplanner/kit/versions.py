"""Optimistic concurrency, one rule for every versioned resource: a change (PATCH or
DELETE) says which version it changes, as `If-Match` (412 when stale) or as `version`
(409 when stale); neither is a 428. Routes resolve the version here and hand it to the
service, which checks it again under its row lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Header, Query
from pydantic import Field

from shiftplanner.errors import PreconditionFailed, PreconditionRequired, StaleVersion
from shiftplanner.kit.validators import parse_id

MAX_VERSION = 2**31 - 1

Version = Annotated[int, Field(ge=1, le=MAX_VERSION)]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=1024,
        description='The ETag you read, e.g. `"3"`; alternatively send `version`.',
    ),
]
# A DELETE has no body: its `version` comes in the query.
VersionQuery = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_VERSION,
        description="The version you read; or send it as `If-Match`. One of the two is required.",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def matched_version(if_match: str, current: int) -> bool:
    """Whether an If-Match header names the current version (RFC 9110: any listed tag,
    or `*`; weak tags compare by their value here)."""
    for tag in (part.strip() for part in if_match.split(",")):
        if tag == "*":
            return True
        value = tag.removeprefix("W/").strip('"')
        if parse_id(value) == current:
            return True
    return False


def required_version(
    *, if_match: str | None, version: int | None, current: int, resource: str
) -> int:
    """The version the change says it changes: `If-Match` (which must name `current`, or
    412), else `version` (the service answers 409 if it is stale), else 428."""
    if if_match is not None:
        if not matched_version(if_match, current):
            raise PreconditionFailed(f"{resource} is at version {current}.")
        return current
    if version is not None:
        return version
    raise PreconditionRequired("Send the version you read as `If-Match` or as `version`.")


@contextmanager
def stale_as_precondition(if_match: str | None) -> Iterator[None]:
    """A version found stale under the service's lock is a 412 when the client sent
    `If-Match` (a concurrent change got in between the route's check and the lock)."""
    try:
        yield
    except StaleVersion as stale:
        if if_match is not None:
            raise PreconditionFailed(stale.detail) from None
        raise
