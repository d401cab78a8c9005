"""The rules of themes: which themes there are, the keyword model read from the database, a released
comment's themes (an admin's correction wins), the counts a scorecard may show (k or more comments each),
and admins' corrections of keywords and of single comments."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.database import flush_unless_taken
from app.dimensions.models import Dimension
from app.dimensions.services import ordered
from app.extensions import db
from app.org.models import Department
from app.projects.models import RootCause
from app.projects.services import root_causes
from app.ratings.models import Comment, Round
from app.reports.gate import RoundResults
from app.themes import policies
from app.themes.engine import WORD, Model
from app.themes.models import MAX_KEYWORD, CommentTheme, Theme, ThemeKeyword
from app.web.forms import UNSTORABLE, UNSTORABLE_MESSAGE


class ThemeError(Exception):
    """A rule of themes was broken; the message is shown to the user."""


@dataclass(frozen=True)
class Subject:
    """A theme as pages name it: its dimension or root cause, and its row once it has keywords."""
    kind: str
    item: Dimension | RootCause
    theme: Theme | None

    @property
    def key(self) -> str:
        """How forms name it: "dimension:competence"."""
        return f"{self.kind}:{self.item.key}"

    @property
    def name(self) -> str:
        return self.item.name


def subjects() -> list[Subject]:
    """Every theme in use: the dimensions, then the root causes, none retired."""
    rows = {(t.kind, t.key): t for t in db.session.scalars(
        sa.select(Theme).options(selectinload(Theme.keywords)))}
    items = [("dimension", d) for d in ordered(include_retired=False)] + \
        [("root_cause", c) for c in root_causes()]
    return [Subject(kind, item, rows.get((kind, item.key))) for kind, item in items]


def subjects_by_theme_id() -> dict[int, Subject]:
    return {s.theme.id: s for s in subjects() if s.theme is not None}


def model(by_id: dict[int, Subject] | None = None) -> Model:
    """The keyword model of the themes in use."""
    by_id = subjects_by_theme_id() if by_id is None else by_id
    return Model.of((s.theme.id, s.kind, k.word) for s in by_id.values() for k in s.theme.keywords)


def themes_of(comments: list[Comment], by_id: dict[int, Subject] | None = None) -> dict[str, tuple[int, ...]]:
    """Each comment's theme ids: an admin's correction where there is one, else the keyword model's."""
    by_id = subjects_by_theme_id() if by_id is None else by_id
    keywords = model(by_id)
    corrected = dict(db.session.execute(sa.select(CommentTheme.comment_id, CommentTheme.theme_id).where(
        CommentTheme.comment_id.in_([c.id for c in comments]))).all())
    return {c.id: ((corrected[c.id],) if corrected[c.id] in by_id else ()) if c.id in corrected
            else keywords.themes_of(c.text) for c in comments}


@dataclass(frozen=True)
class ThemeCount:
    subject: Subject
    count: int


@dataclass(frozen=True)
class ThemeCounts:
    """What a department's released comments of a round talk about: the themes of k or more comments, most
    first, and whether some themes were folded away for having fewer."""
    k: int
    comments: int
    shown: list[ThemeCount]
    folded: bool


def counts_depend_on(round_: Round, department: Department) -> tuple:
    """All that theme_counts reads but the released comments (fixed once published), as plain rows: the
    themes' keywords, the corrections of these comments, and the dimensions' and root causes' names and
    order. A scorecard keeps its themes section under them (app.themes.views.themes_section)."""
    comment_ids = [c.id for c in RoundResults(round_).released_comments(department.id)]
    return tuple(tuple(map(tuple, db.session.execute(query))) for query in (
        sa.select(Theme.id, Theme.kind, Theme.key, ThemeKeyword.word).join(ThemeKeyword)
        .order_by(ThemeKeyword.id),
        sa.select(CommentTheme.comment_id, CommentTheme.theme_id)
        .where(CommentTheme.comment_id.in_(comment_ids)).order_by(CommentTheme.comment_id),
        sa.select(Dimension.id, Dimension.name_en, Dimension.name_ru, Dimension.position, Dimension.retired),
        sa.select(RootCause.id, RootCause.name_en, RootCause.name_ru, RootCause.position, RootCause.retired)))


def theme_counts(round_: Round, department: Department) -> ThemeCounts | None:
    """None when no comment was released (fewer than k rated the department, or nobody commented)."""
    comments = RoundResults(round_).released_comments(department.id)
    if not comments:
        return None
    by_id = subjects_by_theme_id()
    counts = Counter(t for found in themes_of(comments, by_id).values() for t in found)
    k = round_.threshold
    shown = sorted((ThemeCount(by_id[t], n) for t, n in counts.items() if n >= k),
                   key=lambda c: (-c.count, c.subject.kind != "dimension", c.subject.item.position))
    return ThemeCounts(k, len(comments), shown, any(n < k for n in counts.values()))


# Admins' corrections -----------------------------------------------------------------------------------

def subject_named(key: str) -> Subject:
    """The theme a form names ("dimension:competence"); a name of no theme in use is refused."""
    found = next((s for s in subjects() if s.key == key), None)
    if found is None:
        raise ThemeError(_("There is no such theme."))
    return found


def _theme_row(subject: Subject) -> Theme:
    if subject.theme is not None:
        return subject.theme
    theme = Theme(kind=subject.kind, key=subject.item.key)
    db.session.add(theme)
    flush_unless_taken(ThemeError(_("Someone changed this theme at the same moment; try again.")))
    return theme


def add_keyword(actor, subject: Subject, word: str) -> ThemeKeyword:
    """One more word for a theme: a single word of letters (or digits), kept in lower case."""
    if not policies.can_manage_themes(actor):
        raise ThemeError(_("Only an admin can change the keywords."))
    word = (word or "").strip().lower()
    if UNSTORABLE.search(word):
        raise ThemeError(str(UNSTORABLE_MESSAGE))
    if len(word) > MAX_KEYWORD:
        raise ThemeError(_("A keyword has at most %(n)d characters.", n=MAX_KEYWORD))
    if not WORD.fullmatch(word):
        raise ThemeError(_("A keyword is one word of letters, without spaces or signs."))
    theme = _theme_row(subject)
    if any(k.word == word for k in theme.keywords):
        raise ThemeError(_("“%(word)s” is already a keyword of %(theme)s.", word=word, theme=subject.name))
    keyword = ThemeKeyword(theme=theme, word=word)
    db.session.add(keyword)
    flush_unless_taken(ThemeError(_("“%(word)s” is already a keyword of %(theme)s.", word=word,
                                    theme=subject.name)))
    record(actor, "theme.keyword_add", subject.name, word)
    return keyword


def remove_keyword(actor, keyword: ThemeKeyword) -> None:
    if not policies.can_manage_themes(actor):
        raise ThemeError(_("Only an admin can change the keywords."))
    record(actor, "theme.keyword_remove", keyword.theme.key, keyword.word)
    db.session.delete(keyword)
    db.session.flush()


def correct_comment(actor, comment: Comment, subject: Subject | None, back_to_model: bool = False) -> None:
    """An admin's theme for one released comment (`subject` None: no theme at all), or, `back_to_model`,
    the keyword model's again. The caller checks that the actor may read the comment."""
    if not policies.can_manage_themes(actor):
        raise ThemeError(_("Only an admin can correct a comment's theme."))
    db.session.execute(sa.delete(CommentTheme).where(CommentTheme.comment_id == comment.id))
    if not back_to_model:
        theme = _theme_row(subject) if subject is not None else None
        db.session.add(CommentTheme(comment_id=comment.id, theme_id=theme.id if theme else None))
        flush_unless_taken(ThemeError(_("Someone corrected this comment at the same moment; look again.")))
    record(actor, "theme.comment", comment.id,
           subject.key if subject else ("model" if back_to_model else "none"))
