"""Base schemas: responses read from ORM objects; requests refuse unknown fields."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationInfo, field_validator


class Schema(BaseModel):
    """A response body, built from an ORM object or a plain value."""

    model_config = ConfigDict(from_attributes=True)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_contains_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    return False


class InputSchema(BaseModel):
    """A request body. Unknown fields are an error rather than silently dropped, so a
    misspelt field name cannot look like a successful change. No text may contain a NUL
    character: PostgreSQL cannot store one, and no name or note needs it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _contains_nul(value):
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


class UpdateSchema(InputSchema):
    """A partial update (PATCH): only the fields sent change. Every field is optional, but
    `null` is accepted only for the fields listed in `nullable_fields`."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable_fields:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their new values."""
        return self.model_dump(exclude_unset=True)


class TimestampedSchema(Schema):
    created_at: datetime
    updated_at: datetime


T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list. Pass `next_cursor` back as `cursor` for the next page; it is
    null on the last page."""

    items: list[T]
    next_cursor: str | None

    @classmethod
    def build(cls, items: Sequence[Any], next_cursor: str | None) -> Self:
        """A page from ORM objects (or anything with the item schema's attributes)."""
        return cls.model_validate(
            {"items": items, "next_cursor": next_cursor}, from_attributes=True
        )
