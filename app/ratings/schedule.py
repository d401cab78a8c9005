"""Rounds on their dates, moved by `flask tick`: a draft round opens once its opening day has come, an open
round closes once its closing day is over, and a closed round whose facilitator chose so is published.

Days are UTC days: a round opens at 00:00 UTC on `opens_on` and closes at the end of `closes_on` (00:00 UTC
the day after). Every move goes through the services a facilitator's button uses, in a transaction of its
own, audited as done by the schedule; `_move`'s row lock keeps a facilitator pressing the button at the same
moment, or a second tick, from moving a round twice: whichever comes second finds it moved and leaves it.
A published round that repeats has its next round prepared, which opens only once a facilitator has
confirmed it. An open round also reminds those not finished, REMIND_DAYS_BEFORE days and one day before it
closes.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from app.audit.services import SCHEDULE
from app.database import erase_deleted_rows
from app.extensions import db
from app.notices.models import Notice
from app.ratings import services
from app.ratings.models import Round

# (the state a round moves from, the service that moves it, what the move is called in the tick's output)
OPEN = ("draft", services.open_round, "Opened")
CLOSE = ("open", services.close_round, "Closed")
PUBLISH = ("closed", services.publish_round, "Published")


@dataclass(frozen=True)
class Outcome:
    round_name: str
    done: str  # "Opened", "Closed", "Published", "Prepared", "Reminded"; or "Left" when it could not move
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.done} {self.round_name}" + (f": {self.reason}" if self.reason else "")


def due(today: date) -> list[tuple[int, tuple]]:
    """(round id, move) of every round whose date has come, in the order they are moved: a round that
    closes is published in the same tick if its facilitator chose so."""
    opening = sa.select(Round.id).where(Round.state == "draft", Round.confirmed, Round.opens_on <= today,
                                        Round.closes_on >= today)  # a draft past its closing day stays
    closing = sa.select(Round.id).where(Round.state == "open", Round.closes_on < today)
    return ([(round_id, OPEN) for round_id in db.session.scalars(opening.order_by(Round.id))]
            + [(round_id, CLOSE) for round_id in db.session.scalars(closing.order_by(Round.id))])


def _publishing() -> list[tuple[int, tuple]]:
    return [(round_id, PUBLISH) for round_id in db.session.scalars(
        sa.select(Round.id).where(Round.state == "closed", Round.publish_when_closed).order_by(Round.id))]


def run_schedule(now: datetime) -> list[Outcome]:
    """Move every round whose time has come at `now` (naive UTC); what was done, one outcome a move.
    Running it again at the same moment does nothing."""
    outcomes = [move_round(round_id, move) for round_id, move in due(now.date())]
    outcomes += [move_round(round_id, move) for round_id, move in _publishing()]
    outcomes += prepare_due()
    outcomes += remind_due(now.date())
    return [outcome for outcome in outcomes if outcome]


def prepare_due() -> list[Outcome]:
    """Prepare the next round of every published repeating round that has none yet, for a facilitator to
    confirm; the round's unique key turns a second preparation (another tick) into nothing."""
    prepared = aliased(Round)
    repeating = sa.select(Round.id).where(Round.state == "published", Round.cadence != "none",
                                          ~sa.exists().where(prepared.prepared_from_id == Round.id))
    outcomes = []
    for round_id in db.session.scalars(repeating.order_by(Round.id)).all():
        try:
            next_round = services.prepare_next(SCHEDULE, db.session.get(Round, round_id))
        except sa.exc.IntegrityError:
            db.session.rollback()
            continue
        db.session.commit()
        outcomes.append(Outcome(next_round.name, "Prepared"))
    return outcomes


def remind_due(today: date) -> list[Outcome]:
    """Remind those not finished with each open round that closes in REMIND_DAYS_BEFORE days or tomorrow, once
    that day (a round whose reminders of the day are written already is not looked at again)."""
    days = {current_app.config["REMIND_DAYS_BEFORE"], 1}
    closing = [today + timedelta(days=d) for d in days]
    rounds = db.session.scalars(sa.select(Round).where(Round.state == "open", Round.closes_on.in_(closing))
                                .order_by(Round.id))
    outcomes = []
    for round_ in rounds.all():
        if db.session.scalar(sa.select(sa.exists().where(
                Notice.once_key == services.reminders_key(round_, today)))):
            continue
        reminded = services.remind(round_, services.people_to_remind(round_), today)
        db.session.commit()
        if reminded:
            people = "1 person" if reminded == 1 else f"{reminded} people"
            outcomes.append(Outcome(round_.name, "Reminded", people))
    return outcomes


def move_round(round_id: int, move: tuple) -> Outcome | None:
    """Carry out one move that due() found, in its own transaction; None when the round was moved meanwhile
    (by a facilitator or another tick), so nothing is done or logged twice."""
    allowed_from, change, done = move
    round_ = db.session.get(Round, round_id)
    name = round_.name
    try:
        change(SCHEDULE, round_)
    except services.RatingError as error:
        db.session.rollback()
        if db.session.get(Round, round_id).state != allowed_from:
            return None  # moved meanwhile, by a facilitator or another tick
        current_app.logger.warning("The schedule left round %s (%s) as it is: %s", round_id, name, error)
        return Outcome(name, "Left", str(error))
    db.session.commit()
    if change is services.close_round:
        erase_deleted_rows()  # the ballots folded at closing must not linger in the database files
    return Outcome(name, done)
