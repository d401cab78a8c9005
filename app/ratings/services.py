"""Rules of rating rounds: the state machine, whom each person rates, anonymous submission and folding."""
import json
import re
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.audit.services import record
from app.auth.models import User
from app.database import add_to_counters, connect_apart, loaded, plain_columns, run_plain, single_writer
from app.dimensions.services import ordered
from app.extensions import db
from app.org.models import Department, ServiceLink
from app.ratings.models import (
    CANT_JUDGE,
    BallotCount,
    Comment,
    Completion,
    Participation,
    PendingBallot,
    Round,
    RoundDimension,
    Tally,
    round_departments,
)
from app.ratings.sealing import BrokenSeal, seal, unseal
from app.reports.gate import split_groups
from app.time import utcnow

MAX_COMMENT = 2000
_shuffle = secrets.SystemRandom().shuffle


class RatingError(Exception):
    """A rule of rating rounds was broken; the message is shown to the user."""


# Rounds ------------------------------------------------------------------------------------------

def _check_round(name: str, opens_on: date, closes_on: date, threshold: int, departments) -> None:
    if not name.strip():
        raise RatingError(_("Give the round a name."))
    if closes_on < opens_on:
        raise RatingError(_("The round cannot close before it opens."))
    if threshold < 3:
        raise RatingError(_("The reporting threshold is at least 3."))
    if len(departments) < 2:
        raise RatingError(_("Choose at least two departments: people rate departments other than their own."))


def save_round(actor, round_: Round | None, name: str, opens_on: date, closes_on: date, threshold: int,
               departments: list[Department]) -> Round:
    """Create or edit a round; once it is open only its name and closing date may change."""
    created = round_ is None
    if created:
        round_ = Round(state="draft")
        db.session.add(round_)
    elif round_.state != "draft":
        if round_.state != "open":
            raise RatingError(_("A closed round cannot be changed."))
        if threshold != round_.threshold or set(departments) != set(round_.departments) \
                or opens_on != round_.opens_on:
            raise RatingError(
                _("Once a round is open, its threshold, departments and opening date are fixed."))
    _check_round(name, opens_on, closes_on, threshold, departments)
    round_.name, round_.opens_on, round_.closes_on = name.strip(), opens_on, closes_on
    round_.threshold, round_.departments = threshold, departments
    db.session.flush()
    record(actor, "round.create" if created else "round.update", round_,
           f"k={threshold}; " + ", ".join(d.code for d in departments))
    return round_


MOVES = {  # new state: (the state it must come from, audit action, timestamp column)
    "open": ("draft", "round.open", "opened_at"),
    "closed": ("open", "round.close", "closed_at"),
    "published": ("closed", "round.publish", "published_at"),
}


def _move(actor, round_: Round, to: str) -> None:
    allowed_from, action, stamp = MOVES[to]
    # Lock the round: a move and a fold never run side by side.
    db.session.execute(sa.select(Round.id).where(Round.id == round_.id).with_for_update())
    db.session.refresh(round_)
    if round_.state != allowed_from:
        raise RatingError({
            "open": _("Only a draft round can be opened."),
            "closed": _("Only an open round can be closed."),
            "published": _("Only a closed round can be published."),
        }[to])
    round_.state = to
    setattr(round_, stamp, utcnow())
    record(actor, action, round_)


def open_round(actor, round_: Round) -> None:
    dimensions = ordered(include_retired=False)
    if not dimensions:
        raise RatingError(_("Add at least one service dimension first."))
    _move(actor, round_, "open")
    round_.dimensions = [RoundDimension(dimension_id=d.id, position=i) for i, d in enumerate(dimensions)]
    db.session.flush()


def close_round(actor, round_: Round) -> None:
    """Close: fold every ballot still waiting, and keep of participation only how much each person did."""
    _move(actor, round_, "closed")
    _fold(round_, list(run_plain(WAITING_BALLOTS.where(PendingBallot.round_id == round_.id))))
    seal_small_groups(round_)
    for person, department_id, done, expected in _progress(round_):
        db.session.add(Completion(round_id=round_.id, user_id=person.id, department_id=department_id,
                                  done=done, expected=expected))
    db.session.execute(sa.delete(Participation).where(Participation.round_id == round_.id))
    db.session.flush()


def publish_round(actor, round_: Round) -> None:
    _move(actor, round_, "published")
    db.session.flush()


# Whom each person rates --------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    key: str  # "self", "company" or "d<department id>"
    kind: str  # service, self, company
    department: Department | None  # the rated department (None for the company)
    done: bool = False
    listed: bool = True  # on the person's list (service map, self, company), not added by them


# Whether the department `client_id` takes part in the round `round_id`.
_RATER_TAKES_PART = sa.exists().where(round_departments.c.round_id == sa.bindparam("round_id"),
                                      round_departments.c.department_id == sa.bindparam("client_id"))
TAKES_PART = sa.select(_RATER_TAKES_PART)


def _may_rate(user) -> bool:
    return bool(user.active and user.department_id)


def takes_part(user, round_: Round) -> bool:
    return _may_rate(user) and bool(run_plain(
        TAKES_PART, {"round_id": round_.id, "client_id": user.department_id}).scalar())


# What every answer asks first, in one statement: the round, whether the person's department takes part, and
# the dimensions the round asks, as "position:id" pairs (an aggregate keeps no order; the pairs say it).
_ASKED_PAIRS = (
    sa.select(sa.func.aggregate_strings(sa.cast(RoundDimension.position, sa.String) + ":"
                                        + sa.cast(RoundDimension.dimension_id, sa.String), ","))
    .where(RoundDimension.round_id == Round.id).scalar_subquery())
ROUND_TO_RATE = (
    sa.select(*plain_columns(Round), _RATER_TAKES_PART, _ASKED_PAIRS)
    .where(Round.id == sa.bindparam("round_id")))


def round_to_rate(user, round_id: int) -> tuple[Round | None, bool]:
    """The round (None if there is none) and whether the person takes part in it (as takes_part answers),
    read with the dimensions it asks, which are then kept on it as asked_dimensions keeps them."""
    row = run_plain(ROUND_TO_RATE, {"round_id": round_id, "client_id": user.department_id}).one_or_none()
    if row is None:
        return None, False
    *values, taking_part, asked = row
    round_ = loaded(Round, values)
    if round_.state != "draft":
        pairs = sorted(tuple(map(int, pair.split(":"))) for pair in asked.split(",")) if asked else []
        round_._asked = tuple(dimension_id for _position, dimension_id in pairs)
    return round_, _may_rate(user) and bool(taking_part)


def _taking_part(round_: Round, department_ids) -> set[int]:
    """Which of these departments take part in the round (asked of the database: there may be hundreds)."""
    return set(db.session.scalars(sa.select(round_departments.c.department_id).where(
        round_departments.c.round_id == round_.id, round_departments.c.department_id.in_(department_ids))))


def open_rounds_for(user) -> list[Round]:
    if not user.department_id:
        return []
    return list(db.session.scalars(
        sa.select(Round).join(round_departments)
        .where(Round.state == "open", round_departments.c.department_id == user.department_id)
        .order_by(Round.closes_on, Round.id)
    ))


def _providers(round_: Round, department_id: int) -> list[Department]:
    """Departments taking part in the round that serve `department_id` on the service map."""
    return list(db.session.scalars(
        sa.select(Department).join(ServiceLink, ServiceLink.provider_id == Department.id)
        .join(round_departments, sa.and_(round_departments.c.department_id == Department.id,
                                         round_departments.c.round_id == round_.id))
        .where(ServiceLink.client_id == department_id)
        .order_by(Department.name)
    ))


def listed_keys(round_: Round, department_id: int) -> set[str]:
    """The targets on the list of everyone in a department: its providers, itself, the company."""
    return {f"d{d.id}" for d in _providers(round_, department_id)} | {"self", "company"}


def _done_keys(user, round_: Round) -> set[str]:
    return set(db.session.scalars(sa.select(Participation.target).where(
        Participation.round_id == round_.id, Participation.user_id == user.id)))


def targets_for(user, round_: Round) -> list[Target]:
    """The person's list: departments serving theirs, their own as others see it, the company;
    then any department they added and rated."""
    done = _done_keys(user, round_)
    providers = _providers(round_, user.department_id)
    targets = [Target(f"d{d.id}", "service", d, f"d{d.id}" in done) for d in providers]
    targets.append(Target("self", "self", user.department, "self" in done))
    targets.append(Target("company", "company", None, "company" in done))
    added = {int(key[1:]) for key in done - {t.key for t in targets}}
    if added:
        for department in db.session.scalars(sa.select(Department).where(
                Department.id.in_(_taking_part(round_, added))).order_by(Department.id)):
            targets.append(Target(f"d{department.id}", "service", department, True, listed=False))
    return targets


def addable_departments(user, round_: Round) -> list[Department]:
    """Departments taking part that the person may add: not their own, not already on their list."""
    present = {t.key for t in targets_for(user, round_)}
    return [d for d in round_.departments if d.id != user.department_id and f"d{d.id}" not in present]


# What find_target asks in one statement, run by every answer: whether the person's department takes part,
# whether they are done with the key, and for a department key, the department if it takes part in the round
# and whether it serves theirs.
_DONE = sa.exists().where(Participation.round_id == sa.bindparam("round_id"),
                          Participation.user_id == sa.bindparam("user_id"),
                          Participation.target == sa.bindparam("key"))
OWN_TARGET = sa.select(_RATER_TAKES_PART, _DONE)
DEPARTMENT_TARGET = (
    sa.select(sa.exists().where(ServiceLink.provider_id == Department.id,
                                ServiceLink.client_id == sa.bindparam("client_id")),
              _DONE, _RATER_TAKES_PART, *plain_columns(Department))
    .join(round_departments, sa.and_(round_departments.c.department_id == Department.id,
                                     round_departments.c.round_id == sa.bindparam("round_id")))
    .where(Department.id == sa.bindparam("department_id")))
DEPARTMENT_KEY = re.compile(r"d([1-9][0-9]{0,8})")  # within any database's integer


def _not_taking_part() -> RatingError:
    return RatingError(_("Your department does not take part in this round."))


def find_target(user, round_: Round, key: str) -> Target:
    """The target behind a key, checked against the round and the person; RatingError if not allowed.
    The same target as on the person's list (targets_for), or one they may add (addable_departments),
    found without building either."""
    if not _may_rate(user):
        raise _not_taking_part()
    params = {"round_id": round_.id, "client_id": user.department_id, "user_id": user.id, "key": key}
    if key in ("self", "company"):
        taking_part, done = run_plain(OWN_TARGET, params).one()
        if not taking_part:
            raise _not_taking_part()
        return Target(key, key, user.department if key == "self" else None, done)
    found = DEPARTMENT_KEY.fullmatch(key)
    department_id = int(found.group(1)) if found else None
    row = None
    if department_id is not None and department_id != user.department_id:  # their own is "self"
        row = run_plain(DEPARTMENT_TARGET, params | {"department_id": department_id}).first()
    if row is None:
        if not takes_part(user, round_):
            raise _not_taking_part()
        raise RatingError(_("This department cannot be rated in this round."))
    serves, done, taking_part, *department = row
    if not taking_part:
        raise _not_taking_part()
    return Target(key, "service", loaded(Department, department), done, listed=serves)


# Submission --------------------------------------------------------------------------------------

# That the person is done with a target, written only while the round is open, in one statement that also
# takes a shared lock on the round, read afresh: closing (which locks it exclusively) waits for submissions in
# flight, and a submission that waited writes nothing once the round is closed.
MARK_DONE = sa.insert(Participation).from_select(
    ["round_id", "user_id", "target"],
    sa.select(Round.id, sa.bindparam("user_id"), sa.bindparam("target", type_=sa.String))
    .where(Round.id == sa.bindparam("round_id"), Round.state == "open").with_for_update(read=True)
).execution_options(preserve_rowcount=True)  # kept for an INSERT too: no row written means not open


def _mark_done(user, round_: Round, target: Target) -> None:
    """Record that the person is done with the target. A plain statement, not the session's unit of work,
    which costs more than the write itself. A refusal leaves the transaction to be rolled back."""
    try:  # a racing copy of the same submission (a second tab, a double click) fails here
        written = run_plain(MARK_DONE, {"round_id": round_.id, "user_id": user.id, "target": target.key})
    except sa.exc.IntegrityError:
        raise RatingError(_("You have already answered for this one; answers are final.")) from None
    if not written.rowcount:
        raise RatingError(_("This round is not open."))


ASKED = (sa.select(RoundDimension.dimension_id).where(RoundDimension.round_id == sa.bindparam("round_id"))
         .order_by(RoundDimension.position))


def asked_dimensions(round_: Round) -> tuple[int, ...]:
    """The ids of the dimensions the round asks, in its order, read without loading them; kept on the
    round once it is open, when they are fixed (an answer asks twice: its form, then submit)."""
    asked = getattr(round_, "_asked", None)
    if asked is None:
        asked = tuple(run_plain(ASKED, {"round_id": round_.id}).scalars())
        if round_.state != "draft":
            round_._asked = asked
    return asked


def check_scores(round_: Round, scores: dict[int, int]) -> None:
    if set(scores) != set(asked_dimensions(round_)) or any(s not in range(0, 6) for s in scores.values()):
        raise RatingError(_("Answer every question with 1 to 5, or “can't judge”."))


def submit(user, round_: Round, target: Target, scores: dict[int, int], comment: str = "") -> None:
    """Record that the person is done with the target, and put their ballot in the holding buffer."""
    check_scores(round_, scores)
    comment = (comment or "").replace("\x00", "").strip()  # a NUL byte no database stores as text
    if len(comment) > MAX_COMMENT:
        raise RatingError(_("Keep the comment under %(n)d characters.", n=MAX_COMMENT))
    ballot = {  # sealed before the first write, which on SQLite takes the write lock
        "id": secrets.token_hex(16),
        "round_id": round_.id,
        "rater_department_id": user.department_id,
        "target_kind": target.kind,
        "target_department_id": target.department.id if target.kind == "service" else user.department_id,
        "scores": seal(json.dumps({str(k): v for k, v in sorted(scores.items())})),
        "comment": seal(comment) if comment and target.kind == "service" else None,
    }
    _mark_done(user, round_, target)
    run_plain(sa.insert(PendingBallot), ballot)


def skip(user, round_: Round, target: Target) -> None:
    """Done without rating: stored exactly like a submission, so nobody can tell which it was."""
    _mark_done(user, round_, target)


# Folding -----------------------------------------------------------------------------------------

# The waiting ballots of one group.
_IN_GROUP = (PendingBallot.round_id == sa.bindparam("round_id"),
             PendingBallot.rater_department_id == sa.bindparam("rater_department_id"),
             PendingBallot.target_kind == sa.bindparam("kind"),
             PendingBallot.target_department_id == sa.bindparam("target_department_id"))
WAITING = sa.select(sa.func.count()).select_from(PendingBallot).where(*_IN_GROUP)
WAITING_BALLOTS = sa.select(*PendingBallot.__table__.columns)  # rows, not objects: they are only read
GROUP_BALLOTS = WAITING_BALLOTS.where(*_IN_GROUP)


def _group(round_id: int, rater_department_id: int, kind: str, target_department_id: int) -> dict:
    return {"round_id": round_id, "rater_department_id": rater_department_id, "kind": kind,
            "target_department_id": target_department_id}


def group_full(round_id: int, threshold: int, rater_department_id: int, kind: str,
               target_department_id: int) -> bool:
    """Whether a group holds k waiting ballots yet, read apart from the request's transaction, without
    the lock: most answers leave their group short of k, and then nothing needs locking. Asked after the
    answer is committed, so on PostgreSQL, where answers commit side by side, the answer that makes k
    always sees the others before it; fold_if_ready counts again under the lock."""
    with connect_apart(db.engine) as connection:
        return connection.scalar(WAITING, _group(round_id, rater_department_id, kind,
                                                 target_department_id)) >= threshold


LOCK_ROUND = sa.select(Round.id).where(Round.id == sa.bindparam("id")).with_for_update()


def fold_if_ready(round_: Round, rater_department_id: int, kind: str, target_department_id: int) -> int:
    """Fold this group's waiting ballots once there are at least k of them; returns how many were folded.
    The round is locked first, so two folds of a group never run side by side; on SQLite the write
    transaction, which holds the only write lock, is the lock (and SQLite has no FOR UPDATE)."""
    if not single_writer():
        run_plain(LOCK_ROUND, {"id": round_.id})
    group = _group(round_.id, rater_department_id, kind, target_department_id)
    ballots = list(run_plain(GROUP_BALLOTS, group))
    if len(ballots) < round_.threshold:
        return 0
    _fold(round_, ballots)
    return len(ballots)


def _fold(round_: Round, ballots: list[sa.Row]) -> None:
    """Add the ballots to the counters in random order, release their comments shuffled, erase them."""
    if not ballots:
        return
    _shuffle(ballots)
    opened = []
    for ballot in ballots:
        try:
            opened.append((ballot, json.loads(unseal(ballot.scores)),
                           unseal(ballot.comment) if ballot.comment else None))
        except BrokenSeal:  # sealed before SECRET_KEY changed: it can never be counted
            current_app.logger.warning("A waiting ballot could not be opened and was dropped")
    tallies: Counter = Counter()
    counts: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0])  # ballots, judged, overall_sum
    comments = []
    for ballot, scores, comment in opened:
        group = (ballot.rater_department_id, ballot.target_kind, ballot.target_department_id)
        scores = {int(k): v for k, v in scores.items()}
        for dimension_id, score in scores.items():
            tallies[(*group, dimension_id, score)] += 1
        judged = [s for s in scores.values() if s != CANT_JUDGE]
        entry = counts[group]
        entry[0] += 1
        if judged:
            entry[1] += 1
            entry[2] += sum(judged) / len(judged)
        if comment:
            comments.append(Comment(id=secrets.token_hex(16), round_id=round_.id,
                                    target_department_id=ballot.target_department_id, text=comment))
    _add_tallies(round_, tallies)
    _add_counts(round_, counts)
    _shuffle(comments)
    db.session.add_all(comments)
    run_plain(sa.delete(PendingBallot).where(PendingBallot.id.in_([b.id for b in ballots])))


def _add_tallies(round_: Round, tallies: Counter) -> None:
    add_to_counters(Tally, [
        {"round_id": round_.id, "rater_department_id": rater, "target_kind": kind,
         "target_department_id": target, "dimension_id": dimension_id, "score": score, "count": n}
        for (rater, kind, target, dimension_id, score), n in sorted(tallies.items())], ("count",))


def _add_counts(round_: Round, counts: dict) -> None:
    add_to_counters(BallotCount, [
        {"round_id": round_.id, "rater_department_id": rater, "target_kind": kind,
         "target_department_id": target, "ballots": ballots, "judged": judged, "overall_sum": overall}
        for (rater, kind, target), (ballots, judged, overall) in sorted(counts.items())],
        ("ballots", "judged", "overall_sum"))


# Closing: no counter left for fewer than k raters -----------------------------------------------

def seal_small_groups(round_: Round) -> None:
    """At closing, leave no counter for a group of fewer than k raters, even in the raw database.

    Service ratings from rater departments under k join the target's pooled "other departments" group
    (stored under the target itself), with the smallest further group while the pool is under k: the
    rule the gate applies. Company ratings under k join the largest company group; the company view
    reads only their sum. What could never be shown (under k in all) is deleted, with its comments.
    """
    k = round_.threshold
    partitions: dict[tuple, dict[tuple, int]] = defaultdict(dict)
    for c in db.session.scalars(sa.select(BallotCount).where(BallotCount.round_id == round_.id)):
        partition = None if c.target_kind == "company" else c.target_department_id
        partitions[(c.target_kind, partition)][(c.rater_department_id, c.target_department_id)] = c.ballots
    for (kind, target), groups in partitions.items():
        if sum(groups.values()) < k:
            for key in groups:
                _move_group(round_, kind, key, None)
            if kind == "service":
                db.session.execute(sa.delete(Comment).where(Comment.round_id == round_.id,
                                                            Comment.target_department_id == target))
        elif kind == "service":
            _visible, pooled = split_groups({rater: n for (rater, _t), n in groups.items()}, k)
            for rater in pooled:
                _move_group(round_, kind, (rater, target), (target, target))
        elif kind == "company":
            largest = max(groups, key=lambda key: (groups[key], key))
            for key, n in groups.items():
                if n < k and key != largest:
                    _move_group(round_, kind, key, largest)
    db.session.flush()


def _move_group(round_: Round, kind: str, source: tuple[int, int], into: tuple[int, int] | None) -> None:
    """Add one group's counters to another group's (or delete them, `into` None)."""
    for model, key_columns, amounts in (
        (Tally, ("dimension_id", "score"), ("count",)),
        (BallotCount, (), ("ballots", "judged", "overall_sum")),
    ):
        rows = db.session.scalars(sa.select(model).where(
            model.round_id == round_.id, model.target_kind == kind,
            model.rater_department_id == source[0], model.target_department_id == source[1])).all()
        for row in rows:
            if into is not None:
                key = (round_.id, into[0], kind, into[1], *(getattr(row, c) for c in key_columns))
                target = db.session.get(model, key)
                if target is None:
                    db.session.add(model(**dict(zip(
                        ("round_id", "rater_department_id", "target_kind", "target_department_id",
                         *key_columns), key, strict=True)), **{a: getattr(row, a) for a in amounts}))
                else:
                    for amount in amounts:
                        setattr(target, amount, getattr(target, amount) + getattr(row, amount))
            db.session.delete(row)
        db.session.flush()


# Response rates and reminders --------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseRate:
    department: Department
    members: int
    started: int
    finished: int


def _progress(round_: Round) -> list[tuple[User, int, int, int]]:
    """Everyone taking part, live: (person, department id, listed targets done, listed targets).
    Departments people added themselves do not count towards finishing."""
    done: dict[int, set[str]] = defaultdict(set)
    for user_id, target in db.session.execute(sa.select(Participation.user_id, Participation.target)
                                              .where(Participation.round_id == round_.id)):
        done[user_id].add(target)
    keys = {d.id: listed_keys(round_, d.id) for d in round_.departments}
    people = db.session.scalars(sa.select(User).where(
        User.active, User.department_id.in_(keys)).order_by(User.name))
    return [(p, p.department_id, len(done[p.id] & keys[p.department_id]), len(keys[p.department_id]))
            for p in people]


def response_rates(round_: Round) -> list[ResponseRate]:
    """Per department: people, how many started, how many finished their list. Never any score."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    if round_.state in ("draft", "open"):
        for _person, department_id, done, expected in _progress(round_):
            counts = totals[department_id]
            counts[0] += 1
            counts[1] += done > 0
            counts[2] += done >= expected
    else:  # after closing, only the completions are left: counted by the database
        for department_id, *counts in _completed(Completion.department_id, Completion.round_id == round_.id):
            totals[department_id] = counts
    return [ResponseRate(d, *totals[d.id]) for d in round_.departments]


def _completed(column, *where) -> list:
    """(`column`, people, started, finished) from the completions closed rounds keep, grouped by `column`."""
    return db.session.execute(
        sa.select(column, sa.func.count(), sa.func.sum(sa.case((Completion.done > 0, 1), else_=0)),
                  sa.func.sum(sa.case((Completion.done >= Completion.expected, 1), else_=0)))
        .where(*where).group_by(column)).all()


def finished_of_ended(rounds: list[Round]) -> dict[int, tuple[int, int]]:
    """(finished, people) of each closed or published round, in one query however many rounds there are."""
    ended = [r.id for r in rounds if r.state in ("closed", "published")]
    if not ended:
        return {}
    return {round_id: (int(finished), people)
            for round_id, people, _started, finished in _completed(Completion.round_id,
                                                                   Completion.round_id.in_(ended))}


def people_to_remind(round_: Round) -> list[User]:
    """Who has not finished their list yet (only whether, never what they answered)."""
    if round_.state != "open":
        return []
    return [person for person, _d, done, expected in _progress(round_) if done < expected]
