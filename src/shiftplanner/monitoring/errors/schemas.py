from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shiftplanner.kit.schemas import Schema


class ErrorGroup(Schema):
    """Unhandled exceptions of one type escaping from one function, counted, with the
    latest occurrence's request."""

    id: int
    exception_type: str = Field(description="`ZeroDivisionError`, `sqlalchemy.exc.…`")
    location: str = Field(
        description="`module:function:line` of the innermost frame of application code, "
        "as of the latest occurrence (the group is the type and the function, not the line)."
    )
    message: str = Field(description="The latest occurrence's message (bounded).")
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    last_request_id: str | None = Field(description="The `X-Request-ID` of the latest.")
    last_method: str | None
    last_route: str | None = Field(description="The route template of the latest.")
    last_user_id: int | None
    last_api_key_id: int | None
    last_org_id: int | None


class ErrorGroupDetail(ErrorGroup):
    sample_traceback: str = Field(
        description="The latest occurrence's traceback: the innermost frames of each "
        "exception in the chain, no local variables, statement parameters hidden."
    )
