from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base


class LoginThrottle(Base):
    """Failed sign-ins counted for one subject: an email address from one client
    address, an email address from anywhere, or one client address across emails. The
    key is a digest, so the table holds no address in the clear (nor the addresses of
    strangers who tried emails that have no account)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Failures in the current run, including attempts still being judged.
    failures: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)
