from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType


class DataVersion(Base):
    """How many committed transactions changed an organization's data. Bumped in the
    changing transaction itself (performance.cache.versions), so an answer cached under
    an older version can never be served once the change is committed, in any process."""

    __tablename__ = "data_versions"

    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # Random, set when the row is made: a database set up afresh (whose organization ids
    # start again at 1) never meets the answers a shared Redis kept for the old one.
    epoch: Mapped[str] = mapped_column(String(32))

    @property
    def tag(self) -> str:
        return f"{self.epoch}.{self.version}"
