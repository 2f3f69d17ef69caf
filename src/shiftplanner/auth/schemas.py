from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints

from shiftplanner.kit.schemas import InputSchema, Schema
from shiftplanner.orgs.schemas import Organization
from shiftplanner.users.schemas import User


class LoginRequest(InputSchema):
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=320)
    ]
    password: Annotated[SecretStr, Field(min_length=1, max_length=1024)]


class RefreshRequest(InputSchema):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class TokenPair(Schema):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires.")


class Me(Schema):
    user: User
    organization: Organization
    analyst_id: int | None = Field(
        description="The analyst you are, if your account is linked to one."
    )
