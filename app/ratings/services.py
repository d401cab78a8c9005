"""Rules of rating rounds: the state machine, whom each person rates, anonymous answers, and closing."""
import calendar
import re
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.audit.services import record
from app.auth.models import User, department_heads
from app.database import lock
from app.dimensions.services import ordered
from app.extensions import db
from app.notices.services import enqueue
from app.org.models import Department, ServiceLink
from app.ratings.models import (
    CADENCES,
    CANT_JUDGE,
    ROUND_STEPS,
    BallotCount,
    Comment,
    Completion,
    Participation,
    PendingBallot,
    PromiseCount,
    Round,
    RoundDimension,
    Tally,
    round_departments,
)
from app.ratings.noise import noisy_counts, noisy_sums
from app.ratings.reply_codes import code_hash, new_code
from app.ratings.sealing import BrokenSeal, seal, unseal
from app.time import utcnow
from app.web.links import app_path

MAX_COMMENT = 2000
SCORES = range(1, 6)
_shuffle = secrets.SystemRandom().shuffle


class RatingError(Exception):
    """A rule of rating rounds was broken; the message is shown to the user."""


# Rounds ------------------------------------------------------------------------------------------

def round_problems(name: str, opens_on: date | None, closes_on: date | None, threshold: int | None,
                   departments) -> dict[str, str]:
    """Every rule a round's fields break, by field, so that a form can show them all at once; a field
    that is missing (None) is left to the form's own message."""
    problems = {}
    if not (name or "").strip():
        problems["name"] = _("Give the round a name.")
    if opens_on and closes_on and closes_on < opens_on:
        problems["closes_on"] = _("The round cannot close before it opens.")
    if threshold is not None and threshold < 3:
        problems["threshold"] = _("The reporting threshold is at least 3.")
    if len(departments) < 2:
        problems["department_ids"] = _("Choose at least two departments: people rate departments other than "
                                       "their own.")
    return problems


def save_round(actor, round_: Round | None, name: str, opens_on: date, closes_on: date, threshold: int,
               departments: list[Department], publish_when_closed: bool = False) -> Round:
    """Create or edit a round; once it is open only its name, its closing date and whether it publishes
    itself may change."""
    created = round_ is None
    if created:
        round_ = Round(state="draft")
        db.session.add(round_)
    else:
        lock(round_)  # what may change depends on its state: opening or closing it may be under way
    if not created and round_.state != "draft":
        if round_.state != "open":
            raise RatingError(_("A closed round cannot be changed."))
        if threshold != round_.threshold or set(departments) != set(round_.departments) \
                or opens_on != round_.opens_on:
            raise RatingError(
                _("Once a round is open, its threshold, departments and opening date are fixed."))
    problems = round_problems(name, opens_on, closes_on, threshold, departments)
    if problems:
        raise RatingError(next(iter(problems.values())))
    round_.name, round_.opens_on, round_.closes_on = name.strip(), opens_on, closes_on
    round_.threshold, round_.departments = threshold, departments
    round_.publish_when_closed = publish_when_closed
    db.session.flush()
    record(actor, "round.create" if created else "round.update", round_,
           f"k={threshold}; " + ", ".join(d.code for d in departments))
    return round_


def set_cadence(actor, round_: Round, cadence: str) -> None:
    """How often the round repeats; chosen while it is a draft."""
    if cadence == round_.cadence:
        return
    if cadence not in CADENCES:
        raise RatingError(_("Choose how often the round repeats."))
    if round_.state != "draft":
        raise RatingError(_("Once a round is open, how often it repeats is fixed."))
    round_.cadence = cadence
    db.session.flush()
    record(actor, "round.update", round_, f"repeats: {cadence}")


def shifted(day: date, months: int) -> date:
    """The day `months` later; a month's last day stays its last day, and a day the month lacks becomes
    the month's last (Jan 31 → Apr 30 → Jul 31)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))


_PERIOD_SUFFIX = re.compile(r" \(\d{4}-\d{2}\)$")


def next_name(round_: Round, opens_on: date) -> str:
    """The round's name with the month the next one opens in, in place of any such month already there
    ("Pulse" → "Pulse (2027-04)" → "Pulse (2027-07)"): the same in every language."""
    base = _PERIOD_SUFFIX.sub("", round_.name)[:110]
    return f"{base} ({opens_on:%Y-%m})"


def prepare_next(actor, round_: Round) -> Round:
    """The next round of a published repeating round, as a draft waiting for a facilitator to confirm it:
    the same departments, threshold, dimensions (those not retired since) and cadence, its dates a period
    later. A second preparation from the same round fails on the database's unique key (IntegrityError)."""
    months = CADENCES[round_.cadence]
    if round_.state != "published" or not months:
        raise RatingError(_("Only a published round that repeats has a next round."))
    opens_on = shifted(round_.opens_on, months)
    next_round = Round(
        name=next_name(round_, opens_on), opens_on=opens_on, closes_on=shifted(round_.closes_on, months),
        threshold=round_.threshold, departments=list(round_.departments), cadence=round_.cadence,
        publish_when_closed=round_.publish_when_closed, prepared_from=round_, confirmed=False, state="draft",
        dimensions=[RoundDimension(dimension_id=asked.dimension_id, position=asked.position)
                    for asked in round_.dimensions if not asked.dimension.retired])
    db.session.add(next_round)
    db.session.flush()
    record(actor, "round.prepare", next_round, f"from {round_.name}")
    facilitators = db.session.scalars(sa.select(User.id).where(User.is_facilitator, User.active))
    enqueue("round_prepared", [(facilitator, _round_facts(next_round), app_path("ratings.detail",
                                                                                round_id=next_round.id))
                               for facilitator in facilitators])
    return next_round


def confirm_round(actor, round_: Round) -> None:
    """A facilitator confirms a prepared round, which may then open, on its date or by hand."""
    lock(round_)
    if round_.confirmed:
        raise RatingError(_("This round is confirmed already."))
    round_.confirmed = True
    db.session.flush()
    record(actor, "round.confirm", round_)


def _take_step(actor, round_: Round, step: str) -> None:
    leaves, reaches, when = ROUND_STEPS[step]
    lock(round_)  # a step and a fold never run side by side, nor the same step twice
    if round_.state != leaves:
        raise RatingError({
            "open": _("Only a draft round can be opened."),
            "close": _("Only an open round can be closed."),
            "publish": _("Only a closed round can be published."),
        }[step])
    round_.state = reaches
    setattr(round_, when, utcnow())
    record(actor, f"round.{step}", round_)


def open_round(actor, round_: Round) -> None:
    if not round_.confirmed:
        raise RatingError(_("Confirm the next round first: check its departments and dates."))
    # A prepared round asks what the round it was prepared from asked; any other, the dimensions in use.
    dimensions = [] if round_.dimensions else ordered(include_retired=False)
    if not (round_.dimensions or dimensions):
        raise RatingError(_("Add at least one service dimension first."))
    _take_step(actor, round_, "open")
    if dimensions:
        round_.dimensions = [RoundDimension(dimension_id=d.id, position=i) for i, d in enumerate(dimensions)]
    db.session.flush()
    people = db.session.scalars(sa.select(User.id).join(
        round_departments, round_departments.c.department_id == User.department_id).where(
        round_departments.c.round_id == round_.id, User.active))
    enqueue("round_opened", [(person, _round_facts(round_), _list_path(round_)) for person in people])


def close_round(actor, round_: Round) -> None:
    """Close: fold every waiting ballot at once, and keep of participation only how much each person did,
    written in random order. The caller commits, then erases what was deleted (erase_deleted_rows)."""
    _take_step(actor, round_, "close")
    round_.noise_scale = current_app.config["RESULT_NOISE_SCALE"]
    _fold(round_)
    completions = [{"round_id": round_.id, "user_id": person.id, "department_id": department, "done": done,
                    "expected": expected} for person, department, done, expected in _progress(round_)]
    _shuffle(completions)
    if completions:
        db.session.execute(sa.insert(Completion), completions)
    db.session.execute(sa.delete(Participation).where(Participation.round_id == round_.id))
    db.session.flush()


def publish_round(actor, round_: Round) -> None:
    _take_step(actor, round_, "publish")
    db.session.flush()
    _tell_results(round_)


def _round_facts(round_: Round) -> dict:
    """What a notice about the round may say of it (app.notices): names and dates, never an answer."""
    return {"round_id": round_.id, "round": round_.name, "opens_on": round_.opens_on.isoformat(),
            "closes_on": round_.closes_on.isoformat()}


def _list_path(round_: Round) -> str:
    return app_path("ratings.rate", round_id=round_.id)


def _tell_results(round_: Round) -> None:
    """Notices that the results are out: to the heads of the round's departments, with their department's
    results (the company's for a head of several), and to everyone else who took part."""
    headed: dict[int, list[int]] = defaultdict(list)
    for head, department in db.session.execute(
            sa.select(department_heads.c.user_id, department_heads.c.department_id)
            .join(round_departments, round_departments.c.department_id == department_heads.c.department_id)
            .join(User, User.id == department_heads.c.user_id)
            .where(round_departments.c.round_id == round_.id, User.active)
            .order_by(department_heads.c.department_id)):
        headed[head].append(department)
    enqueue("results_for_head", [
        (head, _round_facts(round_), app_path("reports.scorecard", round_id=round_.id, department_id=ids[0])
         if len(ids) == 1 else app_path("reports.company", round_id=round_.id))
        for head, ids in headed.items()])
    raters = db.session.scalars(sa.select(Completion.user_id).join(User, User.id == Completion.user_id).where(
        Completion.round_id == round_.id, Completion.done > 0, User.active))
    enqueue("results_for_rater", [(rater, _round_facts(round_), app_path("loop.index", round=round_.id))
                                  for rater in raters if rater not in headed])


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
    return _may_rate(user) and bool(db.session.execute(
        TAKES_PART, {"round_id": round_.id, "client_id": user.department_id}).scalar())


def round_to_rate(user, round_id: int) -> tuple[Round | None, bool]:
    """The round (None if there is none) and whether the person takes part in it."""
    round_ = db.session.get(Round, round_id)
    return round_, round_ is not None and takes_part(user, round_)


def _in_round(round_id):
    """A department's place among the round's departments, to join on."""
    return sa.and_(round_departments.c.department_id == Department.id,
                   round_departments.c.round_id == round_id)


def latest_round() -> Round | None:
    """The round made last: a new round starts from its departments and threshold."""
    return db.session.scalar(sa.select(Round).order_by(Round.created_at.desc(), Round.id.desc()).limit(1))


def running_rounds() -> list[Round]:
    """Rounds a facilitator has to look after: open ones, and closed ones waiting to be published."""
    return list(db.session.scalars(sa.select(Round).where(Round.state.in_(("open", "closed")))
                                   .order_by(Round.closes_on, Round.id)))


def finished_and_members(round_: Round) -> tuple[int, int]:
    """How many of the round's people finished their list, of how many."""
    rates = response_rates(round_)
    return sum(r.finished for r in rates), sum(r.members for r in rates)


def open_rounds_for(user) -> list[Round]:
    if not user.department_id:
        return []
    return list(db.session.scalars(
        sa.select(Round).join(round_departments)
        .where(Round.state == "open", round_departments.c.department_id == user.department_id)
        .order_by(Round.closes_on, Round.id)
    ))


def providers(round_: Round, department_id: int) -> list[Department]:
    """Departments taking part in the round that serve `department_id` on the service map."""
    return list(db.session.scalars(
        sa.select(Department).join(ServiceLink, ServiceLink.provider_id == Department.id)
        .join(round_departments, _in_round(round_.id))
        .where(ServiceLink.client_id == department_id)
        .order_by(Department.name)
    ))


def listed_keys(round_: Round, department_id: int) -> set[str]:
    """The targets on the list of everyone in a department: its providers, itself, the company."""
    return {f"d{d.id}" for d in providers(round_, department_id)} | {"self", "company"}


# A done note is sealed like a ballot, padded to this many bytes, so that a skip's looks like a rating's.
NOTE_PAD = 32


def _is_skip(note: str | None) -> bool:
    if note is None:  # written before skips could be undone
        return False
    try:
        return bool(unseal(note).get("skip"))
    except BrokenSeal:  # sealed before SECRET_KEY changed: the skip stays, as skips used to
        return False


def targets_for(user, round_: Round) -> list[Target]:
    """The person's list: departments serving theirs, their own as others see it, the company;
    then any department they added and rated."""
    done = set(db.session.scalars(sa.select(Participation.target).where(
        Participation.round_id == round_.id, Participation.user_id == user.id)))
    targets = [Target(f"d{d.id}", "service", d, f"d{d.id}" in done)
               for d in providers(round_, user.department_id)]
    targets.append(Target("self", "self", user.department, "self" in done))
    targets.append(Target("company", "company", None, "company" in done))
    added = {int(key[1:]) for key in done - {t.key for t in targets}}
    if added:
        taking_part = (sa.select(Department).join(round_departments, _in_round(round_.id))
                       .where(Department.id.in_(added)).order_by(Department.id))
        for department in db.session.scalars(taking_part):
            targets.append(Target(f"d{department.id}", "service", department, True, listed=False))
    return targets


def addable_departments(user, round_: Round, targets: list[Target] | None = None) -> list[Department]:
    """Departments taking part that the person may add: not their own, not already on their list
    (`targets`, when the caller has it already)."""
    present = {t.key for t in targets or targets_for(user, round_)}
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
              _DONE, _RATER_TAKES_PART, Department)
    .join(round_departments, _in_round(sa.bindparam("round_id")))
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
        taking_part, done = db.session.execute(OWN_TARGET, params).one()
        if not taking_part:
            raise _not_taking_part()
        return Target(key, key, user.department if key == "self" else None, done)
    found = DEPARTMENT_KEY.fullmatch(key)
    department_id = int(found.group(1)) if found else None
    row = None
    if department_id is not None and department_id != user.department_id:  # their own is "self"
        row = db.session.execute(DEPARTMENT_TARGET, params | {"department_id": department_id}).first()
    if row is None:
        if not takes_part(user, round_):
            raise _not_taking_part()
        raise RatingError(_("This department cannot be rated in this round."))
    serves, done, taking_part, department = row
    if not taking_part:
        raise _not_taking_part()
    return Target(key, "service", department, done, listed=serves)


# Answering ---------------------------------------------------------------------------------------

# That the person is done with a target, written only while the round is open, in one statement that also
# takes a shared lock on the round, read afresh: closing (which locks it exclusively) waits for answers in
# flight, and an answer that waited writes nothing once the round is closed.
MARK_DONE = sa.insert(Participation).from_select(
    ["round_id", "user_id", "target", "note"],
    sa.select(Round.id, sa.bindparam("user_id"), sa.bindparam("target", type_=sa.String),
              sa.bindparam("note", type_=sa.String))
    .where(Round.id == sa.bindparam("round_id"), Round.state == "open").with_for_update(read=True)
).execution_options(preserve_rowcount=True)  # kept for an INSERT too: no row written means not open


def asked_dimensions(round_: Round) -> tuple[int, ...]:
    """The ids of the dimensions the round asks, in its order."""
    return tuple(d.dimension_id for d in round_.dimensions)


def submit(user, round_: Round, target: Target, scores: dict[int, int], comment: str = "",
           kept: dict[int, str] | None = None) -> str:
    """Record that the person is done with the target, and put their ballot, sealed, in the holding buffer:
    the scores, the comment and, for each promise asked (asked_promises), whether it was kept. Returns the
    reply code (see _answer)."""
    if set(scores) != set(asked_dimensions(round_)) or any(s not in range(0, 6) for s in scores.values()):
        raise RatingError(_("Answer every question with 1 to 5, or “can't judge”."))
    comment = (comment or "").replace("\x00", "").strip()  # a NUL byte no database stores as text
    if len(comment) > MAX_COMMENT:
        raise RatingError(_("Keep the comment under %(n)d characters.", n=MAX_COMMENT))
    kept = kept or {}
    if set(kept) != {p.id for p in asked_promises(user, target)} or not set(kept.values()) <= set(KEPT):
        raise RatingError(_("Say for each promise whether you got what was agreed, or “can't say”."))
    content = {"scores": {str(k): v for k, v in scores.items()},
               "comment": comment if target.kind == "service" else ""}
    if kept:
        content["kept"] = {str(k): v for k, v in kept.items()}
    return _answer(user, round_, target, content)


# "Did you get what was agreed?" A department promised another something (app.agreements); the service
# ballot of a person of the receiving department about the providing one asks of each promise in force
# whether it was kept. Agreements sit above ratings: they register how to find the promises in
# force, under this name in the app's extensions, as a function (provider id, receiver id) -> [AskedPromise].
PROMISES_IN_FORCE = "promises_in_force"
KEPT = ("yes", "partly", "no", "cant_say")


@dataclass(frozen=True)
class AskedPromise:
    id: int
    text: str


def asked_promises(user, target: Target) -> list[AskedPromise]:
    find = current_app.extensions.get(PROMISES_IN_FORCE)
    if target.kind != "service" or find is None or not user.department_id:
        return []
    return find(target.department.id, user.department_id)


def skip(user, round_: Round, target: Target) -> str:
    """Done without rating. It leaves what a rating leaves — a done note, a sealed ballot of the same size,
    dropped at closing, and a reply code — so nobody can tell from the database which it was."""
    return _answer(user, round_, target, {"skip": True})


def _answer(user, round_: Round, target: Target, content: dict) -> str:
    """Write the done note and the sealed ballot; return a fresh reply code (app.ratings.reply_codes) for the
    person alone. Every answer gets one, so that nothing tells a commenter from anyone else; only its hash
    goes into the ballot, and from there onto the comment when it is released (none is kept for the rest)."""
    code = new_code()
    ballot = {"rater": user.department_id, "kind": target.kind, "reply": code_hash(code),
              "target": target.department.id if target.kind == "service" else user.department_id, **content}
    sealed = seal(ballot)
    note = seal({"skip": bool(content.get("skip"))}, pad=NOTE_PAD)
    try:  # a racing copy of the same answer (a second tab, a double click) fails here
        written = db.session.connection().execute(MARK_DONE, {"round_id": round_.id, "user_id": user.id,
                                                              "target": target.key, "note": note})
    except sa.exc.IntegrityError:
        raise RatingError(_("You have already answered for this one; answers are final.")) from None
    if not written.rowcount:
        raise RatingError(_("This round is not open."))
    db.session.add(PendingBallot(id=secrets.token_hex(16), round_id=round_.id, sealed=sealed))
    db.session.flush()
    return code


def was_skipped(user, round_: Round, target: Target) -> bool:
    """Whether the person is done with the target by a skip (only they are ever told)."""
    return _is_skip(db.session.scalar(sa.select(Participation.note).where(
        Participation.round_id == round_.id, Participation.user_id == user.id,
        Participation.target == target.key)))


def undo_skip(user, round_: Round, target: Target) -> None:
    """Put a skipped department back on the person's list while the round is open. Only the done note goes:
    the skip's sealed ballot stays in the buffer, and closing drops skips. Answers stay final."""
    if not db.session.scalar(sa.select(Round.id).where(Round.id == round_.id, Round.state == "open")
                             .with_for_update(read=True)):  # closing waits, as for an answer
        raise RatingError(_("This round is not open."))
    done = (Participation.round_id == round_.id, Participation.user_id == user.id,
            Participation.target == target.key)
    row = db.session.execute(sa.select(Participation.note).where(*done).with_for_update()).first()
    if row is not None and not _is_skip(row.note):
        raise RatingError(_("Only a skip can be undone; answers are final."))
    # No row, or none deleted: a racing copy of the same undo (a double click) got there first — on SQLite,
    # where reading takes no lock, perhaps between our read and our delete.
    deleted = row is not None and db.session.execute(
        sa.delete(Participation).where(*done, Participation.note == row.note)
        .execution_options(synchronize_session=False)).rowcount
    if not deleted:
        raise RatingError(_("This skip is already undone."))
    db.session.flush()


# Closing: every ballot folded at once ------------------------------------------------------------

@dataclass
class _Counts:
    """What the ballots of one group (rater department × kind × target) add up to, exactly."""

    ballots: int = 0
    judged: int = 0
    overall_sum: float = 0.0
    scores: Counter = field(default_factory=Counter)  # (dimension id, score) -> raters

    def add(self, other: "_Counts") -> None:
        self.ballots += other.ballots
        self.judged += other.judged
        self.overall_sum += other.overall_sum
        self.scores.update(other.scores)


def _fold(round_: Round) -> None:
    """Open every waiting ballot, count them in random order, pool the small groups, and store the counters
    — the scores with noise — and the comments, shuffled, without rater department. Nothing is counted
    before this moment, so no earlier copy of the database holds a counter to subtract."""
    groups: dict[tuple, _Counts] = defaultdict(_Counts)
    comments: dict[int, list[tuple]] = defaultdict(list)  # target department id -> (text, reply key)
    kept: dict[int, Counter] = defaultdict(Counter)  # promise id -> answer -> raters
    _take_stored_counters(round_, groups)
    sealed = list(db.session.scalars(sa.select(PendingBallot.sealed)
                                     .where(PendingBallot.round_id == round_.id)))
    _shuffle(sealed)
    for text in sealed:
        try:
            ballot = unseal(text)
        except BrokenSeal:  # sealed before SECRET_KEY changed: it can never be counted
            current_app.logger.warning("A waiting ballot could not be opened and was dropped")
            continue
        if ballot.get("skip"):
            continue
        counts = groups[(ballot["rater"], ballot["kind"], ballot["target"])]
        scores = {int(k): v for k, v in ballot["scores"].items()}
        counts.ballots += 1
        counts.scores.update(scores.items())
        judged = [s for s in scores.values() if s != CANT_JUDGE]
        if judged:
            counts.judged += 1
            counts.overall_sum += sum(judged) / len(judged)
        if ballot["comment"]:
            comments[ballot["target"]].append((ballot["comment"], ballot.get("reply")))  # none before replies
        for promise_id, answer in ballot.get("kept", {}).items():
            kept[int(promise_id)][answer] += 1
    shown = _pool_small_groups(groups, round_.threshold)
    _store_counters(round_, groups)
    _store_promise_counts(round_, kept)
    released = [Comment(id=secrets.token_hex(16), round_id=round_.id, target_department_id=target, text=text,
                        reply_key=key)
                for target, texts in comments.items() if target in shown for text, key in texts]
    _shuffle(released)
    db.session.add_all(released)
    db.session.execute(sa.delete(PendingBallot).where(PendingBallot.round_id == round_.id))


def _take_stored_counters(round_: Round, groups: dict[tuple, _Counts]) -> None:
    """Counters a round already has (folded while open, before 0011) are counted again with the rest."""
    for rater, kind, target, dimension_id, score, n in db.session.execute(
            sa.select(Tally.rater_department_id, Tally.target_kind, Tally.target_department_id,
                      Tally.dimension_id, Tally.score, Tally.count).where(Tally.round_id == round_.id)):
        groups[(rater, kind, target)].scores[(dimension_id, score)] += n
    for rater, kind, target, ballots, judged, overall_sum in db.session.execute(
            sa.select(BallotCount.rater_department_id, BallotCount.target_kind,
                      BallotCount.target_department_id, BallotCount.ballots, BallotCount.judged,
                      BallotCount.overall_sum)
            .where(BallotCount.round_id == round_.id)):
        groups[(rater, kind, target)].add(_Counts(ballots, judged, overall_sum))
    for model in (Tally, BallotCount):
        db.session.execute(sa.delete(model).where(model.round_id == round_.id))


def _pool_small_groups(groups: dict[tuple, _Counts], k: int) -> set[int]:
    """Leave no group of fewer than k raters, even in the raw database; returns the rated departments whose
    service ratings are shown (their comments are released).

    Service ratings from rater departments under k join the target's pooled "other departments" group
    (stored under the target itself), with the smallest further group while the pool is under k: the
    rule the gate applies. Company ratings under k join the largest company group; the company view
    reads only their sum. What could never be shown (under k in all) is dropped.
    """
    partitions: dict[tuple, list[tuple]] = defaultdict(list)
    for key in groups:
        _rater, kind, target = key
        partitions[(kind, None if kind == "company" else target)].append(key)
    shown = set()
    for (kind, target), keys in partitions.items():
        if sum(groups[key].ballots for key in keys) < k:
            for key in keys:
                del groups[key]
            continue
        if kind == "service":
            shown.add(target)
            _visible, pooled = split_groups({rater: groups[(rater, kind, target)].ballots
                                             for rater, _kind, _target in keys}, k)
            into = (target, kind, target)
            for rater in pooled:
                if (rater, kind, target) != into:
                    groups[into].add(groups.pop((rater, kind, target)))
        elif kind == "company":
            largest = max(keys, key=lambda key: (groups[key].ballots, key))
            for key in keys:
                if groups[key].ballots < k and key != largest:
                    groups[largest].add(groups.pop(key))
    return shown


def _store_counters(round_: Round, groups: dict[tuple, _Counts]) -> None:
    """Write the counters once, the counts of each answer and the overall sums with noise (app.ratings.noise);
    how many people answered stays exact. "Can't judge" carries noise too: across two rounds an exact count
    would show a mover's "can't judge" answers."""
    scale = round_.noise_scale or 0
    keys = sorted(groups)
    cells = [(key, dimension_id, score) for key in keys
             for dimension_id in sorted({d for d, _score in groups[key].scores})
             for score in (CANT_JUDGE, *SCORES)]
    counts = noisy_counts([groups[key].scores[(d, score)] for key, d, score in cells], scale)
    sums = noisy_sums([groups[key].overall_sum for key in keys], scale)

    def row(key: tuple) -> dict:
        rater, kind, target = key
        return {"round_id": round_.id, "rater_department_id": rater, "target_kind": kind,
                "target_department_id": target}

    if keys:
        db.session.execute(sa.insert(BallotCount), [
            {**row(key), "ballots": groups[key].ballots, "judged": groups[key].judged, "overall_sum": total}
            for key, total in zip(keys, sums, strict=True)])
    tallies = [{**row(key), "dimension_id": d, "score": score,
                "count": min(n, groups[key].ballots) if score == CANT_JUDGE else n}  # none beyond the answers
               for (key, d, score), n in zip(cells, counts, strict=True) if n > 0]
    if tallies:
        db.session.execute(sa.insert(Tally), tallies)


def _store_promise_counts(round_: Round, kept: dict[int, Counter]) -> None:
    """Write how each promise was answered, as the scores are: only for a promise k or more people were asked
    about (fewer are dropped, as a group under k is), how many were asked exactly, each answer's count with
    noise ("can't say" too, kept within those asked)."""
    promises = sorted(p for p, answers in kept.items() if answers.total() >= round_.threshold)
    counts = noisy_counts([kept[p][answer] for p in promises for answer in KEPT], round_.noise_scale or 0)
    rows = []
    for i, promise_id in enumerate(promises):
        asked = kept[promise_id].total()
        yes, partly, no, cant_say = counts[i * len(KEPT):(i + 1) * len(KEPT)]
        rows.append({"round_id": round_.id, "promise_id": promise_id, "asked": asked, "answered_yes": yes,
                     "answered_partly": partly, "answered_no": no, "cant_say": min(cant_say, asked)})
    if rows:
        db.session.execute(sa.insert(PromiseCount), rows)


def split_groups(sizes: dict[int, int], k: int, always_pooled=frozenset()) -> tuple[list[int], list[int]]:
    """Which rater groups may be shown on their own, and which are pooled together.

    Nothing is shown when all groups together have fewer than k raters. Groups under k are pooled;
    while the pool is non-empty but under k, the smallest visible group joins it, so that the total
    minus the visible groups (the pool) is always empty or at least k.
    """
    sizes = {g: n for g, n in sizes.items() if n > 0}
    if sum(sizes.values()) < k:
        return [], []
    visible = sorted((g for g, n in sizes.items() if n >= k and g not in always_pooled),
                     key=lambda g: (sizes[g], g))
    pooled = [g for g in sizes if g not in visible]
    while pooled and sum(sizes[g] for g in pooled) < k:
        pooled.append(visible.pop(0))
    return visible, pooled


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


def remind(round_: Round, people: list[User], day: date) -> int:
    """Write a reminder for each of `people`, except those reminded of this round on `day` already (by the
    schedule or a facilitator, in this transaction or one alongside): how many were written."""
    return enqueue("reminder", [(person.id, _round_facts(round_), _list_path(round_)) for person in people],
                   once_key=reminders_key(round_, day))


def reminders_key(round_: Round, day: date) -> str:
    return f"reminder:{round_.id}:{day.isoformat()}"


def people_to_remind(round_: Round) -> list[User]:
    """Who has not finished their list yet (only whether, never what they answered)."""
    if round_.state != "open":
        return []
    return [person for person, _d, done, expected in _progress(round_) if done < expected]
