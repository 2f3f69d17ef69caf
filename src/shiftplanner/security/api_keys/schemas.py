from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema
from shiftplanner.kit.validators import Name
from shiftplanner.models import Role


class ApiKeyScope(StrEnum):
    # Read the service's own health and measurements (`/metrics`, `/monitoring/...`):
    # every tenant's traffic, so only the platform operator grants it.
    MONITORING = "monitoring"


class ApiKeyCreate(InputSchema):
    name: Name = Field(description="What the key is for, e.g. `prometheus` or `hr-sync`.")
    role: Role = Field(description="What the key may do, as a user of that role would.")
    expires_at: AwareDatetime | None = Field(
        default=None, description="When it stops working; never if left out."
    )
    scopes: list[ApiKeyScope] = Field(
        default_factory=list,
        max_length=len(ApiKeyScope),
        description="Powers beyond the role. `monitoring`: read `/metrics` and the "
        "`/monitoring` measurements of the whole service (platform operator only).",
    )


class ApiKey(TimestampedSchema):
    id: int
    org_id: int
    name: str
    prefix: str = Field(description="The key's public part; the full key starts `spk_<prefix>_`.")
    role: Role
    scopes: list[str]
    created_by_user_id: int | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None = Field(
        description="`revoked` by an admin, or `creator_disabled`, `creator_demoted`, "
        "`creator_deleted`: the admin who made it lost the power it acts with."
    )


class ApiKeyCreated(Schema):
    key: str = Field(description="The key itself. Store it now: it is not shown again.")
    api_key: ApiKey
