from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, JSONType, TimestampMixin


class CoverageRequirement(TimestampMixin, Base):
    """How many analysts (and screeners) one shift type needs: a template for a weekday,
    or an override for one date. Without any, a shift type needs its own
    `required_headcount` on its days of the week."""

    __tablename__ = "coverage_requirements"
    __table_args__ = (
        CheckConstraint("(weekday IS NULL) <> (date IS NULL)", name="weekday_or_date"),
        CheckConstraint("required >= 0 AND screeners_required >= 0", name="not_negative"),
        UniqueConstraint("shift_type_id", "weekday"),
        UniqueConstraint("shift_type_id", "date"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    shift_type_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("shift_types.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[str | None] = mapped_column(String(3), default=None)
    date: Mapped[dt.date | None] = mapped_column(default=None)
    required: Mapped[int]
    screeners_required: Mapped[int] = mapped_column(default=0)
    # A floor the generated roster must meet (a hard rule); null: none.
    hard_min: Mapped[int | None] = mapped_column(default=None)
    # Per analyst short / too many; null: the team's weights.
    under_weight: Mapped[int | None] = mapped_column(default=None)
    over_weight: Mapped[int | None] = mapped_column(default=None)
    # Needs of single skills among the analysts, each as the solver's `SkillCover` dumps
    # it: {skill, minimum, optimal, under_weight}.
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
