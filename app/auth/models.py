"""People's accounts, their server-side sessions, one-time password links and personal API tokens."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.time import utcnow

if TYPE_CHECKING:  # for the annotations only: org's models import this module
    from app.org.models import Department

LANGUAGES = ("en", "ru")

# Who heads which department: a role, like facilitator or admin, but held per department.
department_heads = sa.Table(
    "department_heads",
    db.metadata,
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    """A person. Roles: employee (has a department), head (of some departments), facilitator, admin."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("language IS NULL OR language IN ('en', 'ru')", name="language_known"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
        sa.CheckConstraint("chat_format IN ('slack', 'teams')", name="chat_format_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_facilitator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    language: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How the person gets notices (app.notices): by e-mail, and/or in a chat by an incoming webhook whose
    # address (a secret: whoever has it can post there) they gave, in Slack's or Microsoft Teams' format.
    notify_by_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    chat_webhook: Mapped[str | None] = mapped_column(sa.String(500))
    chat_format: Mapped[str] = mapped_column(sa.String(5), default="slack", server_default="slack")

    department: Mapped[Department | None] = relationship(back_populates="members")
    headed_departments: Mapped[list[Department]] = relationship(
        secondary=department_heads, back_populates="heads", order_by="Department.name"
    )

    # Set at sign-in and by the session loader: Flask-Login keeps this token, not the user id, in the cookie.
    session_token = None

    # Identity, as for every model: Flask-Login's own __eq__ compares get_id(), the session token,
    # which is None for everyone not signed in in this request — they would all be "equal".
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_employee(self) -> bool:
        return self.department_id is not None

    @property
    def head_of(self) -> frozenset[int]:
        """The ids of the departments this person heads."""
        return frozenset(d.id for d in self.headed_departments)

    @property
    def is_head(self) -> bool:
        return bool(self.head_of)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class UserSession(db.Model):
    """A signed-in session; deleting the row ends it, whatever cookie is replayed later."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class OneTimeLink(db.Model):
    """An invitation or password-reset link: single use, expiring, kept only as a hash."""

    __tablename__ = "one_time_links"
    __table_args__ = (sa.CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(10))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal API token: shown once, kept only as a hash, scoped, revocable."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('read', 'write')", name="scope_known"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 80", name="name_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(5))  # read: read readings; write: read and add readings
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_on: Mapped[date | None]
    revoked_at: Mapped[datetime | None]
