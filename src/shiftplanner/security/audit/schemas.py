from __future__ import annotations

from datetime import datetime
from typing import Any

from shiftplanner.kit.schemas import Schema
from shiftplanner.models import AuditOutcome


class AuditEntry(Schema):
    id: int
    occurred_at: datetime
    org_id: int | None
    actor_user_id: int | None
    actor_api_key_id: int | None
    client_ip: str | None
    user_agent: str | None
    action: str
    resource_type: str | None
    resource_id: int | None
    outcome: AuditOutcome
    status_code: int | None
    request_id: str | None
    changes: dict[str, Any] | None
    details: dict[str, Any] | None
