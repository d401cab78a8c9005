"""The outbox: notices written in the transaction of the change they tell of, sent later by `flask tick`."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import db
from app.time import utcnow

STATES = ("pending", "sent", "failed")


class Notice(db.Model):
    """One notice to one person. Its text is written when it is sent, in the person's language then, from
    `kind` and `parameters`: ids and names only, never anything about what someone answered."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_counted"),
        # A notice that must go at most once (a day's reminder) names itself: a second one is not written.
        sa.UniqueConstraint("once_key", "user_id", name="uq_notices_once"),
        sa.Index("ix_notices_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    parameters: Mapped[dict] = mapped_column(sa.JSON)
    link: Mapped[str] = mapped_column(sa.String(300))  # the path of the page it speaks of, without the host
    once_key: Mapped[str | None] = mapped_column(sa.String(60))
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship()
