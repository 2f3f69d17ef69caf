from __future__ import annotations

from dataclasses import dataclass

from shiftplanner.models import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making a change: services scope every query by `org_id` and attribute every
    event to `user_id`. A machine client has an `api_key_id` instead; the system itself
    (demo seeding, commands) has neither."""

    org_id: int
    role: Role
    user_id: int | None = None
    api_key_id: int | None = None
    is_superuser: bool = False
    # An API key's scopes (`monitoring`); a user has none.
    scopes: frozenset[str] = frozenset()
    # The version of the organization's data when the request began (the response cache
    # keys answers by it); None outside requests, or before the organization's first change.
    data_version: str | None = None

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)

    @classmethod
    def system(cls, org_id: int) -> Actor:
        return cls(org_id=org_id, role=Role.ADMIN)
