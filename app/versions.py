"""What gives which version a new value, listed in one place.

A version is one value that says whether anything a kept part of a page shows has changed: the part is kept
under it (app/web/memo.py) instead of being read again to tell. The app gives the versions their new values
itself, at every flush of the ORM (the hook below), and bump_readings() counts what a bulk statement writes
past the flush. A change made outside the app, in SQL typed into the database, gives none: restart the app
processes after one, since what they keep lives only in them.

The models are named by their tables, not imported: this module sits below every area that writes them.
(A workshop's version is not one of these: it tells the participants' screens to fetch the board again,
and the workshop services count it where they decide what participants see.)
"""
import random

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db

# The names version: a rename of any of these (the results pages are kept with the names they show).
NAMES = {"departments": ("name",), "dimensions": ("name_en", "name_ru"), "users": ("name",),
         "rounds": ("name",)}
# A metric's readings version (Metric.readings_version): a reading of it added, changed or deleted.
READINGS = "readings"


class NamesVersion(db.Model):
    """One row. Random rather than counted, so that a restored backup never brings back a value that some
    process kept with other names."""

    __tablename__ = "names_version"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger)


def names_version() -> int | None:
    """The current names version (None until a first rename)."""
    return db.session.scalar(sa.select(NamesVersion.version).where(NamesVersion.id == 1))


def bump_readings(metric) -> None:
    """Count a write of the metric's readings made by a bulk statement, which passes the flush by."""
    metric.readings_version = type(metric).readings_version + 1


def _table(row) -> str | None:
    return getattr(row, "__tablename__", None)


def _renamed(row) -> bool:
    attributes = sa.inspect(row).attrs
    return any(attributes[column].history.has_changes() for column in NAMES.get(_table(row), ()))


def _metric_of(session: Session, reading):
    """The reading's metric, also when only its id was given (a new reading's relationship is not loaded)."""
    if reading.metric is not None:
        return reading.metric
    return session.get(sa.inspect(reading).mapper.relationships["metric"].mapper, reading.metric_id)


@sa.event.listens_for(Session, "before_flush")
def _bump(session: Session, _flush_context, _instances) -> None:
    """In the same flush as the change, so in the same transaction: nothing written through the ORM can
    forget its version."""
    if any(_renamed(row) for row in session.dirty):
        session.merge(NamesVersion(id=1, version=random.getrandbits(63)))
    written = [row for row in (*session.new, *session.dirty, *session.deleted) if _table(row) == READINGS
               and (row in session.new or row in session.deleted or session.is_modified(row))]
    for metric in {_metric_of(session, reading) for reading in written} - {None}:
        if metric not in session.new and metric not in session.deleted:  # a new one has nothing kept
            bump_readings(metric)
