"""Workshops, their participants, cards and dot votes."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.org.models import Department
from app.time import utcnow

# scheduled: set up, not started; then the six phases of PRODUCT.md §6.
PHASES = ("scheduled", "review", "collect", "group", "vote", "projects", "wrapup")

workshop_departments = sa.Table(
    "workshop_departments",
    db.metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="RESTRICT"), primary_key=True,
              index=True),
)


class Workshop(db.Model):
    __tablename__ = "workshops"
    __table_args__ = (
        sa.CheckConstraint(
            "phase IN ('scheduled', 'review', 'collect', 'group', 'vote', 'projects', 'wrapup')",
            name="phase_known"),
        sa.CheckConstraint("vote_budget BETWEEN 1 AND 20", name="vote_budget_range"),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 120", name="title_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    held_on: Mapped[date]
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    phase: Mapped[str] = mapped_column(sa.String(10), default="scheduled")
    vote_budget: Mapped[int] = mapped_column(default=3)
    anonymous_cards: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    balanced_votes: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Bumped by every change anyone can see: a poll that brings the version it has gets "nothing new".
    version: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The one-time value of the "new workshop" form it was made by: a second copy of that form finds it.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), index=True, unique=True)

    round = relationship("Round")
    departments: Mapped[list[Department]] = relationship(secondary=workshop_departments,
                                                         order_by=Department.name)
    participants: Mapped[list[Participant]] = relationship(back_populates="workshop",
                                                           cascade="all, delete-orphan")
    cards: Mapped[list[Card]] = relationship(back_populates="workshop", order_by="Card.id",
                                             cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.title


class Participant(db.Model):
    """A representative of a taking-part department; `votes_left` keeps the dot budget in the database."""

    __tablename__ = "workshop_participants"
    __table_args__ = (sa.CheckConstraint("votes_left >= 0", name="votes_left_not_negative"),)

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"))
    votes_left: Mapped[int]

    workshop: Mapped[Workshop] = relationship(back_populates="participants")
    user = relationship("User")
    department: Mapped[Department] = relationship()


class Card(db.Model):
    """A problem card. An anonymous card stores no author at all; a merged card points to its group."""

    __tablename__ = "workshop_cards"
    __table_args__ = (
        sa.CheckConstraint("length(text) BETWEEN 1 AND 500", name="text_length"),
        sa.CheckConstraint("NOT anonymous OR author_id IS NULL", name="anonymous_without_author"),
        sa.CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        sa.Index("ix_workshop_cards_seed", "workshop_id", "seed", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    dimension_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"))
    root_cause_id: Mapped[int | None] = mapped_column(sa.ForeignKey("root_causes.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Written without a name: on an anonymous workshop, or by choice on a named one. (A card without an
    # author that is not anonymous lost its author when the account was deleted.)
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop_cards.id", ondelete="SET NULL"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="SET NULL"),
                                                  index=True)  # the project page finds its workshop
    # Made from a theme of a department's comments ("<department id>:<theme id>"): the same theme added
    # again, or twice at once, finds this card instead of making another.
    seed: Mapped[str | None] = mapped_column(sa.String(40))

    workshop: Mapped[Workshop] = relationship(back_populates="cards")
    sources: Mapped[list[Card]] = relationship(back_populates="group", order_by="Card.id")
    group: Mapped[Card | None] = relationship(back_populates="sources", remote_side=[id])
    dimension = relationship("Dimension")
    root_cause = relationship("RootCause")
    author = relationship("User")
    project = relationship("Project")


class Vote(db.Model):
    """One dot: who put it on which card (shown to nobody; only how many have voted is shown)."""

    __tablename__ = "workshop_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop_cards.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)


class RejectedSuggestion(db.Model):
    """A grouping suggestion (the cards of one theme) the facilitator rejected: it is not made again."""

    __tablename__ = "workshop_rejected_suggestions"

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"),
                                             primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)


class ComplaintCard(db.Model):
    """A card loaded from the complaints of one category in the review: one per workshop and category, so
    loading them twice (or twice at once) adds each once. Goes with its card."""

    __tablename__ = "workshop_complaint_cards"

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"),
                                             primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint_categories.id", ondelete="CASCADE"),
                                             primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop_cards.id", ondelete="CASCADE"), unique=True)
