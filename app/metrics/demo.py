"""Demo metrics: the suggested set with two years of readings, one of them clearly moving."""
import math
import random
from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.metrics import services
from app.metrics.models import Metric, Reading
from app.org.models import Department
from app.time import utcnow

# key: (owner code, weekly?, level at the start, noise, change per year, (turn date, level after a year))
SERIES = {
    "nps": ("SAL", False, 31.0, 2.5, 0.0, (date(2025, 11, 1), 39.0)),
    "csat": ("SUP", True, 78.0, 1.6, 0.0, None),
    "ces": ("SUP", False, 3.9, 0.15, 0.0, None),
    "complaints": ("SUP", True, 1.2, 0.12, 0.0, None),  # flat: no project moved it
    "fcr": ("SUP", True, 62.0, 1.8, 0.0, (date(2025, 10, 1), 76.0)),  # improving from 2025-10 on
    "response_time": ("IT", True, 9.5, 0.8, -0.4, None),
    "repeat_purchase": ("SAL", False, 41.0, 1.2, 0.0, None),
    "churn": ("SAL", False, 2.4, 0.2, 0.0, None),
}


def _level(start: date, day: date, base: float, drift: float, turn) -> float:
    level = base + drift * (day - start).days / 365
    if turn is not None and day >= turn[0]:
        # an S-shaped climb to the new level over about a year after the turn
        t = min((day - turn[0]).days / 365, 1.0)
        level += (turn[1] - base) * (1 - math.cos(math.pi * t)) / 2
    return level


def _dates(start: date, end: date, weekly: bool) -> list[date]:
    if weekly:
        first = start + timedelta(days=(6 - start.weekday()) % 7)  # Sundays
        return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    days, year, month = [], start.year, start.month
    while True:  # the last day of each month
        month_end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if month_end > end:
            return days
        if month_end >= start:
            days.append(month_end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def load_metrics_demo() -> int:
    """Add the suggested metrics that are missing and two years of readings up to today; returns readings
    written. Idempotent: metrics are matched by name, readings upserted by (metric, date)."""
    rng = random.Random(20241122)
    by_code = {d.code: d for d in db.session.scalars(sa.select(Department))}
    end = utcnow().date()
    start = end - timedelta(days=730)
    written = 0
    for suggestion in services.suggested_metrics():
        code, weekly, base, noise, drift, turn = SERIES[suggestion.key]
        name = str(suggestion.name)
        metric = db.session.scalar(sa.select(Metric).where(sa.func.lower(Metric.name) == name.lower()))
        if metric is None:
            metric = Metric(name=name, description=str(suggestion.description), unit=str(suggestion.unit),
                            direction=suggestion.direction, owner_department=by_code.get(code))
            db.session.add(metric)
            db.session.flush()
        existing = {r.taken_on: r for r in db.session.scalars(
            sa.select(Reading).where(Reading.metric_id == metric.id))}
        for day in _dates(start, end, weekly):
            value = round(_level(start, day, base, drift, turn) + rng.gauss(0, noise), 2)
            if value < 0:
                value = 0.0
            reading = existing.get(day)
            if reading is None:
                db.session.add(Reading(metric_id=metric.id, taken_on=day, value=value))
            else:
                reading.value = value
            written += 1
    db.session.flush()
    return written
