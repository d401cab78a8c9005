"""External-client metrics and their dated readings."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.org.models import Department
from app.time import utcnow


class Metric(db.Model):
    """A number clients feel (NPS, complaint rate…); only its movement over time matters."""

    __tablename__ = "metrics"
    __table_args__ = (
        sa.CheckConstraint("direction IN ('higher', 'lower')", name="direction_known"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[str] = mapped_column(sa.String(30), default="")
    direction: Mapped[str] = mapped_column(sa.String(6))  # which way is better: higher or lower
    owner_department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One more on every write of its readings (app/versions.py): what is drawn from them is kept between
    # requests until it changes.
    readings_version: Mapped[int] = mapped_column(default=0, server_default="0")

    owner_department: Mapped[Department | None] = relationship()
    readings: Mapped[list[Reading]] = relationship(back_populates="metric", order_by="Reading.taken_on",
                                                   cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class Reading(db.Model):
    """One dated value of a metric; one per metric and date (a re-import of a date updates it). Client
    feedback on one of the service dimensions carries that dimension, on the raters' scale of 1 to 5."""

    __tablename__ = "readings"
    __table_args__ = (sa.CheckConstraint("dimension_id IS NULL OR value BETWEEN 1 AND 5",
                                         name="dimension_on_the_scale"),)

    metric_id: Mapped[int] = mapped_column(sa.ForeignKey("metrics.id", ondelete="CASCADE"), primary_key=True)
    taken_on: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[float]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    dimension_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"),
                                                     index=True)

    metric: Mapped[Metric] = relationship(back_populates="readings")
    dimension = relationship("Dimension")
