"""Keyset (cursor) pagination: stable under concurrent inserts and as fast on the last
page as on the first, unlike OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shiftplanner.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page (at most 500).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=512, description="`next_cursor` of the previous page."),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(
        [value.isoformat() if hasattr(value, "isoformat") else value for value in values]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, keys: Sequence[InstrumentedAttribute[Any]]) -> tuple[Any, ...]:
    invalid = InvalidInput(
        "The cursor is not one this list handed out.",
        errors=[{"parameter": "cursor", "in": "query", "detail": "invalid cursor"}],
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise invalid
    try:
        position = tuple(
            TypeAdapter(key.type.python_type).validate_python(value, strict=False)
            for key, value in zip(keys, values, strict=True)
        )
    except (ValidationError, NotImplementedError):
        raise invalid from None
    # An integer the database cannot hold would fail in the query, not here.
    if any(isinstance(value, int) and not -(2**63) <= value < 2**63 for value in position):
        raise invalid
    return position


async def paginate(
    session: AsyncSession,
    query: Select[M],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    params: PageParams,
    descending: bool = False,
) -> tuple[list[M], str | None]:
    """Run `query` ordered by `keys` (the last key must be unique, e.g. the id) from the
    position after the cursor. Returns the page and the next cursor."""
    if params.cursor:
        position = tuple_(*decode_cursor(params.cursor, keys))
        query = query.where(tuple_(*keys) < position if descending else tuple_(*keys) > position)
    order = [key.desc() for key in keys] if descending else list(keys)
    rows = list((await session.scalars(query.order_by(*order).limit(params.limit + 1))).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, key.key) for key in keys])
