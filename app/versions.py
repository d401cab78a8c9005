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
import sqlalchemy as sa
from sqlalchemy.orm import Session

# A metric's readings version (Metric.readings_version): a reading of it added, changed or deleted. The
# project page keeps its "did it move?" part under it.
READINGS = "readings"


def bump_readings(metric) -> None:
    """Count a write of the metric's readings made by a bulk statement, which passes the flush by."""
    metric.readings_version = type(metric).readings_version + 1


def _metric_of(session: Session, reading):
    """The reading's metric, also when only its id was given (a new reading's relationship is not loaded)."""
    if reading.metric is not None:
        return reading.metric
    return session.get(sa.inspect(reading).mapper.relationships["metric"].mapper, reading.metric_id)


@sa.event.listens_for(Session, "before_flush")
def _bump(session: Session, _flush_context, _instances) -> None:
    """In the same flush as the change, so in the same transaction: nothing written through the ORM can
    forget its version."""
    written = [row for row in (*session.new, *session.dirty, *session.deleted)
               if getattr(row, "__tablename__", None) == READINGS
               and (row in session.new or row in session.deleted or session.is_modified(row))]
    for metric in {_metric_of(session, reading) for reading in written} - {None}:
        if metric not in session.new and metric not in session.deleted:  # a new one has nothing kept
            bump_readings(metric)
