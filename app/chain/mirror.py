"""The external mirror: the company as its clients see it — client feedback, readings that carry a service
dimension — beside the company as its own people believe its clients see it (the round's "company"
answers, through the publishing gate), with the scorecard's blind-spot rule between the two."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.metrics.models import Reading
from app.ratings.models import Round
from app.reports.gate import Figure, results_of
from app.reports.results import DimensionRow
from app.stats import estimate_from

# Client surveys come a few times a year: a round's own window (often two weeks) would mostly hold none, so
# the mirror reads the quarter up to the round's close, or the round's window where that is longer.
QUARTER = timedelta(days=91)


def window(round_: Round) -> tuple[date, date]:
    """The dates of the client feedback set beside a round: the 91 days up to its closing day, or from its
    opening day if it opened earlier; both ends included."""
    return min(round_.opens_on, round_.closes_on - QUARTER + timedelta(days=1)), round_.closes_on


def clients_figure(values: list[float]) -> Figure | None:
    """The clients' mean of a dimension, each reading one observation: its interval widens with few
    readings or readings that disagree (app.stats; one reading alone is taken as ±1 point)."""
    if not values:
        return None
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return Figure(len(values), mean, None, estimate_from(mean, spread, len(values)).se)


@dataclass
class Mirror:
    round: Round
    start: date
    end: date
    # per dimension of the round: the employees' view as `self_view`, the clients' as `others`, so the gap
    # (employees minus clients) and its flag follow the scorecard's rule: "blind_spot" when the company
    # thinks better of its service than its clients do, "hidden_strength" the other way
    rows: list[DimensionRow]

    @property
    def has_clients(self) -> bool:
        return any(row.others for row in self.rows)


def mirror(round_: Round) -> Mirror:
    """The mirror of a published round: two queries, whatever the number of readings."""
    start, end = window(round_)
    dimensions = [rd.dimension for rd in round_.dimensions]
    values: dict[int, list[float]] = defaultdict(list)
    for dimension_id, value in db.session.execute(
            sa.select(Reading.dimension_id, Reading.value).where(
                Reading.dimension_id.in_([d.id for d in dimensions]), Reading.taken_on.between(start, end))):
        values[dimension_id].append(value)
    gate = results_of([round_])[round_.id]
    return Mirror(round_, start, end, [
        DimensionRow(d.name, d, clients_figure(values[d.id]), gate.company(d.id), None) for d in dimensions])
