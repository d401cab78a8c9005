"""Agreements between a providing and a receiving department, and their one to three promises.

What the receiving department's people answered about a promise ("did you get what was agreed?") is not
here: it travels in the sealed ballot and is counted at closing with the scores (app.ratings.models.
PromiseCount), so it is read only through the publishing gate.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department
from app.ratings.models import Round
from app.time import utcnow
from app.workshops.models import Card

MAX_PROMISES, MAX_PROMISE_TEXT = 3, 300


class Agreement(db.Model):
    """draft: written by one side; in_force: confirmed by the other side's head, and asked about in the
    rounds from then on; ended: ended by either side (in force before, or a draft withdrawn), asked about no
    more."""

    __tablename__ = "agreements"
    __table_args__ = (
        sa.CheckConstraint("provider_id <> receiver_id", name="two_departments"),
        sa.CheckConstraint("state IN ('draft', 'in_force', 'ended')", name="state_known"),
        # An ended agreement was confirmed or not (a draft withdrawn): either.
        sa.CheckConstraint("state = 'ended' OR (state = 'in_force') = (confirmed_at IS NOT NULL)",
                           name="confirmed_when_in_force"),
        sa.CheckConstraint("(state = 'ended') = (ended_at IS NOT NULL)", name="ended_when_ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    drafted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None]
    # Where it was started: a tension of a round's matrix, or a workshop card.
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="SET NULL"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshop_cards.id", ondelete="SET NULL"))
    # The "write an agreement" form's one-time mark (app.database.flush_once): a second copy makes none.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    provider: Mapped[Department] = relationship(foreign_keys=[provider_id])
    receiver: Mapped[Department] = relationship(foreign_keys=[receiver_id])
    drafted_by: Mapped[User | None] = relationship(foreign_keys=[drafted_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    round: Mapped[Round | None] = relationship()
    card: Mapped[Card | None] = relationship()
    promises: Mapped[list[Promise]] = relationship(back_populates="agreement", order_by="Promise.position",
                                                   cascade="all, delete-orphan")


class Promise(db.Model):
    """One thing the providing department promises, tagged with the dimension it improves and the external
    metric it serves."""

    __tablename__ = "promises"
    __table_args__ = (
        sa.CheckConstraint(f"length(text) BETWEEN 1 AND {MAX_PROMISE_TEXT}", name="text_length"),
        sa.CheckConstraint(f"position BETWEEN 1 AND {MAX_PROMISES}", name="position_range"),
        sa.UniqueConstraint("agreement_id", "position", name="uq_promises_agreement_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(MAX_PROMISE_TEXT))
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"))
    metric_id: Mapped[int] = mapped_column(sa.ForeignKey("metrics.id", ondelete="RESTRICT"), index=True)

    agreement: Mapped[Agreement] = relationship(back_populates="promises")
    dimension: Mapped[Dimension] = relationship()
    metric: Mapped[Metric] = relationship()
