"""The first account of an installation: an admin of the first organization who is also
the platform operator. Created from SHIFTPLANNER_ADMIN_EMAIL / _PASSWORD, or with a
random password that is shown once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import Organization
from shiftplanner.orgs.repository import OrganizationRepository
from shiftplanner.security.passwords import Passwords
from shiftplanner.users import service as user_service

DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_ORG_SLUG = "default"


def random_password() -> str:
    """A password shown once to an operator: 20 URL-safe characters (120 random bits)."""
    return secrets.token_urlsafe(15)


@dataclass(frozen=True)
class AdminLogin:
    email: str
    # Set only when the password was generated here: it is never stored in clear.
    generated_password: str | None


async def ensure_admin(
    session: AsyncSession, settings: Settings, passwords: Passwords, org: Organization | None = None
) -> AdminLogin | None:
    """Create the bootstrap admin in `org` (or the first organization, or a new one) if the
    database has no user yet. Returns None when users already exist."""
    email = (settings.admin_email or DEFAULT_ADMIN_EMAIL).lower()
    configured = settings.admin_password.get_secret_value() if settings.admin_password else None
    password = configured or random_password()
    if org is None:
        repository = OrganizationRepository(session)
        org = await repository.first() or await repository.add(
            Organization(name="ShiftPlanner", slug=DEFAULT_ORG_SLUG, timezone="UTC")
        )
    user = await user_service.bootstrap_superuser(
        session, passwords, org, email=email, password=password
    )
    if user is None:
        return None
    return AdminLogin(email=email, generated_password=None if configured else password)
