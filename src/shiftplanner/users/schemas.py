from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Email, Id
from shiftplanner.models import Role

# The upper bound keeps a request from making the server hash megabytes.
Password = Annotated[SecretStr, Field(min_length=1, max_length=1024)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class UserCreate(InputSchema):
    email: Email
    full_name: FullName = ""
    role: Role
    password: Password
    org_id: Id | None = Field(
        default=None, description="Platform operator only: create the user in another organization."
    )


class UserUpdate(UpdateSchema):
    full_name: FullName | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None


class User(TimestampedSchema):
    id: int
    org_id: int
    email: str
    full_name: str
    role: Role
    is_active: bool
    is_superuser: bool
    last_login_at: datetime | None
