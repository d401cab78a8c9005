"""Departments and the service map (which department serves which)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User

department_heads = sa.Table(
    "department_heads",
    db.metadata,
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 12", name="code_length"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    members: Mapped[list[User]] = relationship(back_populates="department", order_by="User.name")
    heads: Mapped[list[User]] = relationship(
        secondary=department_heads, back_populates="headed_departments", order_by="User.name"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ServiceLink(db.Model):
    """The provider department serves the client department; the client's people rate the provider."""

    __tablename__ = "service_links"
    __table_args__ = (sa.CheckConstraint("provider_id <> client_id", name="not_self"),)

    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
