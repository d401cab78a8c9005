"""Rules of replies: a head replies once to a released comment; its author, known only by the code they were
given, reads the reply from the next day and answers it once. Nothing here knows who the author is."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.services import record
from app.extensions import db
from app.org.models import Department
from app.ratings.models import Comment, Round
from app.ratings.reply_codes import code_hash, normalized
from app.replies.models import MAX_TEXT, REPLY_KINDS, CommentReply
from app.reports.gate import RoundResults
from app.time import utcnow


class ReplyError(Exception):
    """A rule of replies was broken; the message is shown to the person."""


def today() -> date:
    """Replies and answers are released in daily batches (UTC): what is written today is read tomorrow."""
    return utcnow().date()


def is_released(written_on: date | None) -> bool:
    return written_on is not None and written_on < today()


@dataclass(frozen=True)
class Thread:
    """A released comment on the scorecard, with its reply and the author's answer once released."""

    comment: Comment
    reply: CommentReply | None

    @property
    def answer(self) -> str | None:
        return self.reply.answer if self.reply and is_released(self.reply.answered_on) else None


def threads(round_: Round, department: Department) -> list[Thread] | None:
    """The department's released comments of a published round, in their random order, each with its reply;
    None when fewer than k people rated it (the gate decides: then nothing is released)."""
    results = RoundResults(round_)
    if results.respondents("service", department.id) is None:
        return None
    comments = results.released_comments(department.id)
    replies = {r.comment_id: r for r in db.session.scalars(
        sa.select(CommentReply).where(CommentReply.comment_id.in_([c.id for c in comments])))}
    return [Thread(comment, replies.get(comment.id)) for comment in comments]


def released_comment(round_: Round, department: Department, comment_id: str) -> Comment | None:
    return next((c for c in RoundResults(round_).released_comments(department.id) if c.id == comment_id),
                None)


def _checked_text(text: str | None, required: bool) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise ReplyError(_("The text holds a NUL byte, which cannot be stored; remove it."))
    if len(text) > MAX_TEXT:
        raise ReplyError(_("Keep it to %(n)d characters.", n=MAX_TEXT))
    if required and not text:
        raise ReplyError(_("Write your answer first."))
    return text


def reply(actor, round_: Round, department: Department, comment: Comment, kind: str, text: str) -> None:
    """The department's reply to a released comment of its own, once. The caller checks that `actor` heads
    the department (policies.can_reply_to_comments). Only the day is kept, never the time."""
    if kind not in REPLY_KINDS:
        raise ReplyError(_("Choose what the reply says."))
    text = _checked_text(text, required=False)
    if comment.reply_key is None:
        raise ReplyError(_("This comment was released before replies existed: it cannot be replied to."))
    # One statement: two heads (or a double click) replying at once leave one reply, the first.
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(
        CommentReply.__table__)
    written = db.session.execute(
        insert.values(comment_id=comment.id, kind=kind, text=text, written_on=today())
        .on_conflict_do_nothing(index_elements=["comment_id"])
        .execution_options(preserve_rowcount=True))  # an INSERT's rowcount is kept only when asked
    if not written.rowcount:
        raise ReplyError(_("This comment has a reply already."))
    record(actor, "comment.reply", f"{department.name} · {round_.name}", kind)
    db.session.flush()


@dataclass(frozen=True)
class Found:
    """What the holder of a code reads: their comment, its department and round, and the reply once
    released."""

    comment: Comment
    department: Department
    round: Round
    reply: CommentReply | None

    @property
    def may_answer(self) -> bool:
        return self.reply is not None and self.reply.answer is None


def find(code: str | None) -> Found | None:
    """The released comment a code belongs to, with its reply if released; None for any code that matches
    nothing released — wrong, mistyped, another round's not yet published — all alike."""
    raw = normalized(code or "")
    if raw is None:
        return None
    row = db.session.execute(
        sa.select(Comment, Department, Round)
        .join(Department, Department.id == Comment.target_department_id)
        .join(Round, Round.id == Comment.round_id)
        .where(Comment.reply_key == code_hash(raw), Round.state == "published")).first()
    if row is None:
        return None
    comment, department, round_ = row
    if comment not in RoundResults(round_).released_comments(department.id):
        return None
    reply_ = db.session.get(CommentReply, comment.id)
    return Found(comment, department, round_, reply_ if reply_ and is_released(reply_.written_on) else None)


def answer(code: str | None, text: str) -> Found:
    """The author's one answer to the released reply. There is no acting user: the author is nobody the app
    knows, only someone holding the code. A conditional update: of two answers sent at once, one is kept."""
    found = find(code)
    if found is None:
        raise ReplyError(_("No released comment has this code."))
    text = _checked_text(text, required=True)
    if found.reply is None:
        raise ReplyError(_("There is no reply to answer yet."))
    written = db.session.execute(
        sa.update(CommentReply)
        .where(CommentReply.comment_id == found.comment.id, CommentReply.answer.is_(None),
               CommentReply.written_on < today())
        .values(answer=text, answered_on=today())
        .execution_options(synchronize_session=False))
    if not written.rowcount:
        raise ReplyError(_("This reply has been answered already; an answer is sent once."))
    db.session.flush()
    db.session.expire(found.reply)
    return found
