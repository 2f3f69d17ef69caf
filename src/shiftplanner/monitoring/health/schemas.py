"""The readiness document of draft-inadarei-api-health-check (`application/health+json`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import Schema

MEDIA_TYPE = "application/health+json"


class HealthStatus(StrEnum):
    PASS = "pass"  # noqa: S105 (a status, not a password)
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {HealthStatus.PASS: 0, HealthStatus.WARN: 1, HealthStatus.FAIL: 2}


def worst(statuses: list[HealthStatus]) -> HealthStatus:
    return max(statuses, key=lambda status: status.rank, default=HealthStatus.PASS)


class HealthSchema(Schema):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Check(HealthSchema):
    """One measurement of one component."""

    component_id: str | None = Field(default=None, description="Which component.")
    component_type: str | None = Field(
        default=None, description="`datastore`, `system` or `component`."
    )
    observed_value: float | None = None
    observed_unit: str | None = Field(default=None, description="`ms`, `percent` or `s`.")
    status: HealthStatus
    time: datetime
    output: str | None = Field(
        default=None, description="Why it warns or fails, or that a worker is disabled."
    )


class HealthReport(HealthSchema):
    status: HealthStatus = Field(description="The worst status of the checks.")
    version: str = Field(description="The service's public (major) version.")
    release_id: str | None = Field(default=None, description="The release running.")
    service_id: str
    description: str
    checks: dict[str, list[Check]]

    @property
    def ready(self) -> bool:
        return self.status is not HealthStatus.FAIL
