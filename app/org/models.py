"""Departments and the service map (which department serves which)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.auth.models import department_heads
from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User


def name_key(name: str) -> str:
    """A department's name as names are compared: "Finance", "finance " and "FINANCE" are one name, and so
    are "Финансы" and "ФИНАНСЫ" (Unicode case folding, which neither SQLite's lower() nor a database's
    collation gives alike everywhere)."""
    return name.strip().casefold()


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 12", name="code_length"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # name_key(name), set with the name (below): unique, so two departments never share a name whatever
    # its letter case, even when created at the same moment. Text: folding can lengthen a name (ß → ss).
    name_key: Mapped[str] = mapped_column(sa.Text, index=True, unique=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    # It deals with the company's external clients: the start of a service chain (app/chain/).
    faces_clients: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    members: Mapped[list[User]] = relationship(back_populates="department", order_by="User.name")
    heads: Mapped[list[User]] = relationship(
        secondary=department_heads, back_populates="headed_departments", order_by="User.name"
    )

    @validates("name")
    def _keep_name_key(self, _attribute, name: str) -> str:
        self.name_key = name_key(name)
        return name

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# Which external-client metrics a client-facing department drives: the chain of a metric starts from them.
# Kept beside the departments (as their heads are), so unmarking a department clears its metrics here.
department_metrics = sa.Table(
    "department_metrics",
    db.metadata,
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("metric_id", sa.ForeignKey("metrics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


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
