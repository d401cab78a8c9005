"""Rounds and the anonymous storage of ratings.

What is kept per person is only *that* they are done with a (round, target): `Participation`.
What they said waits, sealed whole, in `PendingBallot` (no person, no time, a random key) until the round
closes; closing folds every ballot at once, in random order, into `Tally` / `BallotCount` counters (the
scores with calibrated noise) and `Comment` rows, and erases the buffer and the participation notes.
On SQLite these tables are WITHOUT ROWID with keys that carry no insertion order.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dimensions.models import Dimension
from app.extensions import db
from app.org.models import Department
from app.time import utcnow

# A round's steps, in the words of its page and of the audit log: the state each leaves, the state it
# reaches, and the column that says when. A round goes draft → open → closed → published, never back.
ROUND_STEPS = {
    "open": ("draft", "open", "opened_at"),
    "close": ("open", "closed", "closed_at"),
    "publish": ("closed", "published", "published_at"),
}
# service: a department that serves the rater's; self: the rater's own, as they think others see it;
# company: the company as its external clients see it. For self and company the target is the rater's
# own department, which keeps every counter key a real department.
KINDS = ("service", "self", "company")
CANT_JUDGE = 0
# How often a round repeats: its cadence, and the months from one round to the next (0: it does not repeat).
CADENCES = {"none": 0, "month": 1, "quarter": 3, "half_year": 6, "year": 12}
NO_ROWID = {"sqlite_with_rowid": False}

round_departments = sa.Table(
    "round_departments",
    db.metadata,
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="RESTRICT"), primary_key=True,
              index=True),
)


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        sa.CheckConstraint("threshold >= 3", name="threshold_at_least_3"),
        sa.CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
        sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'published')", name="state_known"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
        sa.CheckConstraint("cadence IN ('none', 'month', 'quarter', 'half_year', 'year')",
                           name="cadence_known"),
        # A round the schedule prepared stays a draft until a facilitator confirms it.
        sa.CheckConstraint("confirmed OR state = 'draft'", name="confirmed_before_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    threshold: Mapped[int] = mapped_column(default=5)
    state: Mapped[str] = mapped_column(sa.String(10), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # The scale of the noise added to the published score counts at closing (0: exact; see app.ratings.noise).
    noise_scale: Mapped[float | None]
    # Published by the schedule as soon as it closes (app.ratings.schedule), instead of by a facilitator.
    publish_when_closed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Repeating rounds: once published, the schedule prepares the next from it (app.ratings.schedule), at
    # most one (the unique key), which waits for a facilitator to confirm it before it may open.
    cadence: Mapped[str] = mapped_column(sa.String(10), default="none", server_default="none")
    prepared_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="SET NULL"),
                                                         unique=True)
    confirmed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    departments: Mapped[list[Department]] = relationship(secondary=round_departments,
                                                         order_by=Department.name)
    dimensions: Mapped[list[RoundDimension]] = relationship(
        order_by="RoundDimension.position", cascade="all, delete-orphan"
    )
    prepared_from: Mapped[Round | None] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return self.name


class RoundDimension(db.Model):
    """The dimensions asked in a round, fixed when it opens, so later edits don't change what was asked."""

    __tablename__ = "round_dimensions"

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"),
                                              primary_key=True)
    position: Mapped[int]

    dimension: Mapped[Dimension] = relationship(lazy="joined")


class Participation(db.Model):
    """That a person is done (rated or skipped) with a target in a round. No scores, no time, no order."""

    __tablename__ = "participations"
    __table_args__ = (NO_ROWID,)

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # "self", "company", or "d<department id>" for a department that serves the person's own.
    target: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    # Whether it was a skip, sealed (app.ratings.sealing) so that only the app can tell, to let the person
    # undo a skip; every note has one of the same size. NULL for notes written before skips could be undone.
    note: Mapped[str | None] = mapped_column(sa.String(120))


class Completion(db.Model):
    """What is left of participation once a round closes: how many targets each person finished."""

    __tablename__ = "completions"
    __table_args__ = (sa.CheckConstraint("done BETWEEN 0 AND expected", name="done_range"), NO_ROWID)

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"))
    done: Mapped[int]  # targets on their list they were done with (rated or skipped)
    expected: Mapped[int]  # targets on their list


def _kind_rules():
    """self and company ballots name the rater's own department as the target; service ballots another
    one — except the pooled "other departments" group, which names the target itself."""
    return (
        sa.CheckConstraint("target_kind IN ('service', 'self', 'company')", name="kind_known"),
        sa.CheckConstraint("target_kind = 'service' OR target_department_id = rater_department_id",
                           name="target_matches_kind"),
    )


class CounterKey:
    """Round × rater department × target (see _kind_rules): what a round's counters are first kept by."""

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True,
                                          sort_order=-1)
    rater_department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"),
                                                     primary_key=True, sort_order=-1)
    target_kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True, sort_order=-1)
    target_department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"),
                                                      primary_key=True, sort_order=-1)


class PendingBallot(db.Model):
    """An answer (or a skip) waiting for its round to close: sealed whole — whose department, what was rated,
    the scores and the comment, padded to a common size — under a random key, with no person and no time."""

    __tablename__ = "pending_ballots"
    __table_args__ = (NO_ROWID,)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[str] = mapped_column(sa.Text)  # app.ratings.sealing


class Tally(CounterKey, db.Model):
    """How many raters gave each score (0: "can't judge"), per round × rater department × target × dimension,
    with the calibrated noise added at closing (Round.noise_scale)."""

    __tablename__ = "tallies"
    __table_args__ = (
        *_kind_rules(),
        sa.CheckConstraint("score BETWEEN 0 AND 5", name="score_range"),
        sa.CheckConstraint("count > 0", name="count_positive"),
        NO_ROWID,
    )

    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"),
                                              primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int]


class BallotCount(CounterKey, db.Model):
    """Ballots per round × rater department × target, and the sum of each ballot's own mean ("overall")."""

    __tablename__ = "ballot_counts"
    __table_args__ = (
        *_kind_rules(),
        sa.CheckConstraint("ballots > 0", name="ballots_positive"),
        sa.CheckConstraint("judged BETWEEN 0 AND ballots", name="judged_range"),
        NO_ROWID,
    )

    ballots: Mapped[int]
    judged: Mapped[int]  # ballots with at least one score (not all "can't judge")
    overall_sum: Mapped[float]  # with calibrated noise, as the scores' counts


class Comment(db.Model):
    """A comment on a department, without author or rater department, released after the round closes."""

    __tablename__ = "comments"
    # A scorecard reads one department's comments of a round.
    __table_args__ = (sa.Index("ix_comments_round_target", "round_id", "target_department_id"),
                      sa.Index("ix_comments_reply_key", "reply_key", unique=True), NO_ROWID)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random: reading in key order shuffles
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    target_department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(sa.Text)
    # The hash of the reply code its author was given (app.ratings.reply_codes), carried sealed in the ballot:
    # whoever holds the code reads the department's reply. None for comments released before replies.
    reply_key: Mapped[str | None] = mapped_column(sa.String(64))


class PromiseCount(db.Model):
    """"Did you get what was agreed?" about one promise (app.agreements) in a round: how many raters of the
    receiving department were asked (exact, as ballots are) and how many answered each way, with the same
    noise as the scores' counts. Written once, at closing, only for a promise k or more were asked about.
    The promise is named by its table only: agreements sit above ratings."""

    __tablename__ = "promise_counts"
    __table_args__ = (
        sa.CheckConstraint("asked > 0", name="asked_positive"),
        sa.CheckConstraint("answered_yes >= 0 AND answered_partly >= 0 AND answered_no >= 0 "
                           "AND cant_say BETWEEN 0 AND asked", name="counts_range"),
        NO_ROWID,
    )

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    promise_id: Mapped[int] = mapped_column(sa.ForeignKey("promises.id", ondelete="CASCADE"),
                                            primary_key=True)
    asked: Mapped[int]
    answered_yes: Mapped[int]
    answered_partly: Mapped[int]
    answered_no: Mapped[int]
    cant_say: Mapped[int]
