"""Themes (a dimension or a root cause, named by its key), their keywords, and admins' corrections of a
released comment's themes."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.ratings.models import NO_ROWID

THEME_KINDS = ("dimension", "root_cause")
MAX_KEYWORD = 40


class Theme(db.Model):
    """What comments can talk about: one of the dimensions or one of the root causes. Named by the key of
    that dimension or root cause (not its id), so the starting keywords are seeded before any dimension
    exists; a theme whose dimension is missing or retired is not used."""

    __tablename__ = "themes"
    __table_args__ = (sa.UniqueConstraint("kind", "key"),
                      sa.CheckConstraint("kind IN ('dimension', 'root_cause')", name="kind_known"),
                      sa.CheckConstraint("length(key) BETWEEN 1 AND 40", name="key_length"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    key: Mapped[str] = mapped_column(sa.String(40))

    keywords: Mapped[list[ThemeKeyword]] = relationship(back_populates="theme", order_by="ThemeKeyword.word",
                                                        cascade="all, delete-orphan")


class ThemeKeyword(db.Model):
    """One word of a theme, English or Russian (told by its letters); matched by its stem."""

    __tablename__ = "theme_keywords"
    __table_args__ = (sa.UniqueConstraint("theme_id", "word"),
                      sa.CheckConstraint(f"length(word) BETWEEN 1 AND {MAX_KEYWORD}", name="word_length"))

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    word: Mapped[str] = mapped_column(sa.String(MAX_KEYWORD))

    theme: Mapped[Theme] = relationship(back_populates="keywords")


class CommentTheme(db.Model):
    """An admin's correction of one released comment's theme, which wins over the keywords: the comment and
    the theme (none: "no theme"). Like the comment itself it names no person, and keeps no time."""

    __tablename__ = "comment_themes"
    __table_args__ = (NO_ROWID,)

    comment_id: Mapped[str] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"),
                                            primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"))
