"""Complaint categories (mapped by admins to a dimension and a root cause) and the complaints received."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class ComplaintCategory(db.Model):
    """What clients complain about, as the complaint system names it; the mapping says which of the nine
    dimensions and which root cause it stands for."""

    __tablename__ = "complaint_categories"
    __table_args__ = (sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    dimension_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"))
    root_cause_id: Mapped[int | None] = mapped_column(sa.ForeignKey("root_causes.id", ondelete="RESTRICT"))

    dimension = relationship("Dimension")
    root_cause = relationship("RootCause")


class Complaint(db.Model):
    """One external complaint, received by a client-facing department. `import_key` makes an import
    idempotent: the same file imported twice (or twice at once) keeps one copy of each complaint."""

    __tablename__ = "complaints"
    __table_args__ = (sa.CheckConstraint("length(text) <= 1000", name="text_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_on: Mapped[date] = mapped_column(sa.Date, index=True)
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint_categories.id", ondelete="RESTRICT"), index=True)
    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(sa.String(1000), default="")
    import_key: Mapped[str] = mapped_column(sa.String(64), unique=True)

    category: Mapped[ComplaintCategory] = relationship()
    department = relationship("Department")
