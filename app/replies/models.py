"""A head's reply to a released comment, and the comment's author's one answer to it (dates only)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

MAX_TEXT = 1000
# What a reply says, and how it is shown.
REPLY_KINDS = {"acknowledged": _l("Acknowledged"), "will_act": _l("We will act"),
               "fixed": _l("Already fixed")}


class CommentReply(db.Model):
    """One reply per comment (its key), written by one of the rated department's heads. It keeps the day it
    was written, and the day it was answered, never a time: both are released with the next day's batch."""

    __tablename__ = "comment_replies"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('acknowledged', 'will_act', 'fixed')", name="kind_known"),
        sa.CheckConstraint(f"length(text) <= {MAX_TEXT}", name="text_length"),
        sa.CheckConstraint(f"answer IS NULL OR length(answer) BETWEEN 1 AND {MAX_TEXT}",
                           name="answer_length"),
        sa.CheckConstraint("(answer IS NULL) = (answered_on IS NULL)", name="answered_with_date"),
    )

    comment_id: Mapped[str] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"),
                                            primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    text: Mapped[str] = mapped_column(sa.String(MAX_TEXT), default="")
    written_on: Mapped[date]
    answer: Mapped[str | None] = mapped_column(sa.String(MAX_TEXT))
    answered_on: Mapped[date | None]
