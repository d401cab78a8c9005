"""The rules of agreements: drafting one with one to three promises, confirming it, ending it, the promises
a round asks about, and how often each was kept (read through the publishing gate)."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.agreements import policies
from app.agreements.models import MAX_PROMISE_TEXT, MAX_PROMISES, Agreement, Promise
from app.audit.services import record
from app.database import flush_once, lock
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.org.models import Department
from app.ratings.models import Round
from app.ratings.services import AskedPromise
from app.reports.gate import Kept, results_of
from app.reports.results import published_rounds
from app.time import utcnow
from app.web.forms import UNSTORABLE

READINGS_SHOWN = 5


class AgreementError(Exception):
    """A rule of agreements was broken; the message is shown to the user, beside `field` when given."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PromiseData:
    text: str
    dimension: Dimension | None
    metric: Metric | None


def draft(actor, provider: Department | None, receiver: Department | None, promises: list[PromiseData],
          round_: Round | None = None, card_id: int | None = None,
          form_token: str | None = None) -> Agreement:
    """A draft agreement, in force once the other side's head confirms it. An agreement its form
    (`form_token`) already made is not made again: MadeAlready names it."""
    if provider is None or receiver is None:
        raise AgreementError(_("Choose the providing and the receiving department."), "provider_id")
    if provider.id == receiver.id:
        raise AgreementError(_("An agreement is between two different departments."), "receiver_id")
    if not policies.can_write_agreement_between(actor, provider, receiver):
        raise AgreementError(_("Only the heads of the two departments, facilitators and admins write their "
                               "agreements."))
    if not 1 <= len(promises) <= MAX_PROMISES:
        raise AgreementError(_("Write one to three promises."), "promises")
    made = []
    for position, promise in enumerate(promises, start=1):
        text = promise.text.strip()
        if not text or UNSTORABLE.search(text) or len(text) > MAX_PROMISE_TEXT:
            raise AgreementError(_("Each promise is a short text of 1 to %(n)d characters, without NUL "
                                   "bytes.", n=MAX_PROMISE_TEXT), "promises")
        if promise.dimension is None or promise.metric is None:
            raise AgreementError(_("Tag each promise with a dimension and an external metric."), "promises")
        made.append(Promise(position=position, text=text, dimension=promise.dimension, metric=promise.metric))
    agreement = Agreement(provider=provider, receiver=receiver, state="draft", drafted_by=actor,
                          promises=made, round_id=round_.id if round_ else None, card_id=card_id,
                          form_token=form_token)
    db.session.add(agreement)
    flush_once(agreement)
    record(actor, "agreement.draft", _name(agreement), f"{len(made)} promises")
    return agreement


def confirm(actor, agreement: Agreement) -> None:
    """Put a draft in force: from now on the receiving department's people are asked about its promises.
    A conditional update, so that two confirmations sent at once put it in force once."""
    if not policies.can_confirm_agreement(actor, agreement):
        raise AgreementError(_("Only a head of the other department confirms a draft agreement."))
    now = utcnow()
    confirmed = db.session.execute(
        sa.update(Agreement).where(Agreement.id == agreement.id, Agreement.state == "draft")
        .values(state="in_force", confirmed_by_id=actor.id, confirmed_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not confirmed:
        raise AgreementError(_("This agreement is in force already."))
    db.session.refresh(agreement)
    record(actor, "agreement.confirm", _name(agreement))


def end(actor, agreement: Agreement) -> None:
    """End an agreement, in force or a draft nobody will confirm (withdrawn): from now on no round asks about
    its promises; what the rounds before found stays on its page."""
    lock(agreement)  # two "End" sent at once: the second waits here, then finds it ended
    if agreement.state == "ended":
        raise AgreementError(_("This agreement has ended already."))
    if not policies.can_end_agreement(actor, agreement):
        raise AgreementError(_("Only the heads of the two departments, facilitators and admins end their "
                               "agreements."))
    agreement.state, agreement.ended_by, agreement.ended_at = "ended", actor, utcnow()
    db.session.flush()
    record(actor, "agreement.end", _name(agreement), "in force" if agreement.confirmed_at else "draft")


def _name(agreement: Agreement) -> str:
    return f"{agreement.provider.name} → {agreement.receiver.name}"


def promises_in_force(provider_id: int, receiver_id: int) -> list[AskedPromise]:
    """What a rating of the provider by a person of the receiver asks about (app.ratings.services)."""
    return [AskedPromise(promise_id, text) for promise_id, text in db.session.execute(
        sa.select(Promise.id, Promise.text).join(Agreement)
        .where(Agreement.provider_id == provider_id, Agreement.receiver_id == receiver_id,
               Agreement.state == "in_force")
        .order_by(Agreement.id, Promise.position))]


def visible_agreements(user) -> list[Agreement]:
    """The agreements the person may read, newest first."""
    query = sa.select(Agreement).options(selectinload(Agreement.promises)).order_by(Agreement.id.desc())
    return [a for a in db.session.scalars(query) if policies.can_view_agreement(user, a)]


# How often each promise was kept -----------------------------------------------------------------

@dataclass(frozen=True)
class RoundKept:
    round: Round
    kept: Kept | None  # None: fewer than k answered


@dataclass(frozen=True)
class PromiseRecord:
    promise: Promise
    rounds: list[RoundKept]
    readings: list[Reading]  # the metric's latest, newest first


def record_of(agreement: Agreement) -> list[PromiseRecord]:
    """For each promise, every published round that asked about it — both departments taking part, closed
    after the agreement came in force and opened before it ended — with its answers through the gate; and
    the latest readings."""
    rounds = []
    if agreement.confirmed_at is not None:
        rounds = [r for r in published_rounds(newest_first=True, with_departments=True)
                  if r.closed_at and r.closed_at >= agreement.confirmed_at
                  and (agreement.ended_at is None or r.opened_at and r.opened_at < agreement.ended_at)
                  and {agreement.provider_id, agreement.receiver_id} <= {d.id for d in r.departments}]
    results = results_of(rounds)
    return [PromiseRecord(promise, [RoundKept(r, results[r.id].kept(promise.id)) for r in rounds],
                          _latest_readings(promise.metric_id))
            for promise in agreement.promises]


def _latest_readings(metric_id: int) -> list[Reading]:
    return list(db.session.scalars(sa.select(Reading).where(Reading.metric_id == metric_id)
                                   .order_by(Reading.taken_on.desc()).limit(READINGS_SHOWN)))
