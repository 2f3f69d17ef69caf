"""The roles of a user within an organization: a module of its own so that what needs
only the names (the command line) does not load the models and SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do within their organization, strongest first."""

    ADMIN = "admin"
    MANAGER = "manager"
    ANALYST = "analyst"
    VIEWER = "viewer"
