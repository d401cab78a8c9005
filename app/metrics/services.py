"""Rules of the metrics catalog and its readings: metrics, suggested metrics, readings, CSV import."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.database import flush_unless_taken, lock
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics import policies
from app.metrics.models import Metric, Reading
from app.org.models import Department, department_metrics
from app.time import utcnow
from app.versions import bump_readings
from app.web import csvfile

DIRECTIONS = ("higher", "lower")
NOTE_LIMIT = 500
ROW_LIMIT = 50_000
# A reading may carry tomorrow's UTC date: east of Greenwich it is already tomorrow.
FUTURE_TOLERANCE = timedelta(days=1)
# Client feedback on a service dimension is on the raters' scale, so the two can stand side by side.
SCALE = (1, 5)


class MetricError(Exception):
    """A rule of the metrics catalog was broken; the message is shown to the user."""


# The catalog -------------------------------------------------------------------------------------

def metrics() -> list[Metric]:
    # every list of metrics names the owner: joined in, not read metric by metric
    return list(db.session.scalars(sa.select(Metric).options(joinedload(Metric.owner_department))
                                   .order_by(Metric.name)))


def save_metric(actor, metric: Metric | None, name: str, description: str, unit: str, direction: str,
                owner_department: Department | None) -> Metric:
    """Create (metric None) or update a metric of the catalog."""
    name, unit, description = (name or "").strip(), (unit or "").strip(), (description or "").strip()
    if not name or len(name) > 120:
        raise MetricError(_("Give the metric a name of 1 to 120 characters."))
    if len(unit) > 30:
        raise MetricError(_("The unit is longer than 30 characters."))
    if direction not in DIRECTIONS:
        raise MetricError(_("Say whether higher or lower values are better."))
    taken = MetricError(_("Another metric already has this name."))
    other = db.session.scalar(sa.select(Metric).where(sa.func.lower(Metric.name) == name.lower()))
    if other is not None and other is not metric:
        raise taken
    created = metric is None
    if created:
        metric = Metric()
        db.session.add(metric)
    metric.name, metric.description, metric.unit = name, description, unit
    metric.direction, metric.owner_department = direction, owner_department
    flush_unless_taken(taken)  # a copy of this form sent at the same moment may have added it since
    owner = owner_department.code if owner_department else "-"
    record(actor, "metric.create" if created else "metric.update", metric,
           f"{direction} is better; unit: {unit}; owner: {owner}")
    return metric


# Client-facing departments that drive a metric --------------------------------------------------

def drivers(metric: Metric) -> list[Department]:
    """The client-facing departments that drive the metric, by name."""
    return list(db.session.scalars(sa.select(Department).join(
        department_metrics, department_metrics.c.department_id == Department.id).where(
        department_metrics.c.metric_id == metric.id).order_by(Department.name)))


def set_drivers(actor, metric: Metric, departments: list[Department]) -> bool:
    """Make exactly `departments` drive the metric, each marked as facing external clients (driving a
    client's number is facing clients). Returns whether anything changed. Sent twice at once, the same
    marks stay one row each: the insert skips a row already there."""
    wanted = {d.id for d in departments}
    had = {d.id for d in drivers(metric)}
    if wanted == had:
        return False
    gone = had - wanted
    if gone:
        db.session.execute(sa.delete(department_metrics).where(
            department_metrics.c.metric_id == metric.id, department_metrics.c.department_id.in_(gone)))
    if wanted - had:
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        rows = [{"department_id": i, "metric_id": metric.id} for i in sorted(wanted - had)]
        db.session.execute(insert(department_metrics).values(rows).on_conflict_do_nothing())
    for department in departments:
        department.faces_clients = True
    db.session.flush()
    record(actor, "metric.drivers", metric, ", ".join(sorted(d.code for d in departments)) or "-")
    return True


# Suggested metrics (PRODUCT.md §5) ---------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    key: str
    name: object  # lazy strings: stored in the language of whoever adds them
    description: object
    unit: object
    direction: str


SUGGESTED = (
    Suggestion("nps", _l("Net Promoter Score (NPS)"),
               _l("Promoters minus detractors, in percentage points, among clients asked how likely they "
                  "are to recommend us (from -100 to 100)."), _l("points"), "higher"),
    Suggestion("csat", _l("Customer satisfaction (CSAT)"),
               _l("Share of clients who say they are satisfied or very satisfied after a contact."),
               "%", "higher"),
    Suggestion("ces", _l("Customer effort score"),
               _l("How much effort clients needed to get what they came for, from 1 (very little) to 7 "
                  "(a great deal)."), _l("points (1–7)"), "lower"),
    Suggestion("complaints", _l("Complaint rate"),
               _l("Complaints per 100 orders. Only 3 to 7 percent of unhappy clients complain, so a low rate "
                  "is not proof that clients are happy: watch its movement."), _l("per 100 orders"), "lower"),
    Suggestion("fcr", _l("First-contact resolution"),
               _l("Share of client requests resolved at the first contact, with no call-back or hand-over."),
               "%", "higher"),
    Suggestion("response_time", _l("Response time"),
               _l("Median time from a client's request to our first real answer."), _l("hours"), "lower"),
    Suggestion("repeat_purchase", _l("Repeat-purchase rate"),
               _l("Share of clients who buy again within twelve months."), "%", "higher"),
    Suggestion("churn", _l("Churn"),
               _l("Share of clients who stopped buying from us during the month."), _l("percent a month"),
               "lower"),
)


def suggested_metrics() -> list[Suggestion]:
    return list(SUGGESTED)


def missing_suggestions() -> list[Suggestion]:
    """The suggested metrics that the catalog has under neither their name here nor their English one."""
    names = {n.lower() for n in db.session.scalars(sa.select(Metric.name))}
    with force_locale("en"):
        english = {s.key: str(s.name).lower() for s in SUGGESTED}
    return [s for s in SUGGESTED if str(s.name).lower() not in names and english[s.key] not in names]


def add_suggested(actor, keys, owner_department: Department | None = None) -> list[Metric]:
    """Add the chosen suggested metrics that are not in the catalog yet; the others are left alone."""
    wanted = set(keys)
    unknown = wanted - {s.key for s in SUGGESTED}
    if unknown:
        raise MetricError(_("Unknown suggested metric: %(keys)s.", keys=", ".join(sorted(unknown))))
    return [save_metric(actor, None, str(s.name), str(s.description), str(s.unit), s.direction,
                        owner_department)
            for s in missing_suggestions() if s.key in wanted]


# Readings ----------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f']")
# Each part of a number can match in one way only, so a long string of digits is checked in linear time
# (`\d+\.?\d*` let the two runs of digits split a long number every way: quadratic). Longer than any value
# a reading holds is refused before the pattern runs.
NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
NUMBER_LIMIT = 40


def parse_number(text: str) -> float:
    """A number with "." or "," as the decimal mark (spaces and apostrophes may group thousands)."""
    cleaned = _SPACES.sub("", text or "")
    if "," in cleaned and "." in cleaned:  # 1,234.5 or 1.234,5: the last mark is the decimal one
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal_mark == "," else ",", "")
    cleaned = cleaned.replace(",", ".")
    if len(cleaned) > NUMBER_LIMIT or not NUMBER.fullmatch(cleaned):
        raise MetricError(_("“%(text)s” is not a number.", text=text[:NUMBER_LIMIT]))
    value = float(cleaned)
    if not math.isfinite(value):
        raise MetricError(_("“%(text)s” is not a number.", text=text))
    return value


def parse_date(text: str) -> date:
    """A date as YYYY-MM-DD or DD.MM.YYYY."""
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise MetricError(_("“%(text)s” is not a date; write it as YYYY-MM-DD or DD.MM.YYYY.", text=text))


def latest_allowed_date() -> date:
    return utcnow().date() + FUTURE_TOLERANCE


def dimensions_by_key() -> dict[str, Dimension]:
    """The dimensions a reading may carry: those in use, by key."""
    return {d.key: d for d in db.session.scalars(sa.select(Dimension).where(Dimension.retired.is_(False)))}


def dimension_of(key: str | None, known: dict[str, Dimension] | None = None) -> Dimension | None:
    """The dimension a reading names by its key (None for none), or MetricError naming the keys there are."""
    key = (key or "").strip().lower()
    if not key:
        return None
    known = dimensions_by_key() if known is None else known
    if key not in known:
        raise MetricError(_("No service dimension has the key “%(key)s”; the keys are: %(keys)s.",
                            key=key[:40], keys=", ".join(sorted(known))))
    return known[key]


def scale_problem(value: float) -> str | None:
    """What is wrong with a dimension reading's value, if anything: it must be on the scale 1 to 5."""
    if not SCALE[0] <= value <= SCALE[1]:
        return _("A reading on a service dimension is on the scale %(low)d to %(high)d.", low=SCALE[0],
                 high=SCALE[1])
    return None


def _check_reading(taken_on: date, value: float, note: str) -> None:
    if taken_on > latest_allowed_date():
        raise MetricError(_("A reading cannot be dated in the future."))
    if taken_on.year < 1900:
        raise MetricError(_("The date is too far in the past."))
    if value is None or not math.isfinite(value):
        raise MetricError(_("The value must be a finite number."))
    if abs(value) > 1e12:
        raise MetricError(_("The value is too large."))
    if len(note) > NOTE_LIMIT:
        raise MetricError(_("The note is longer than %(n)d characters.", n=NOTE_LIMIT))


def record_reading(actor, metric: Metric, taken_on: date, value: float, note: str = "",
                   dimension: Dimension | None = None) -> tuple[Reading, bool]:
    """Add the reading of `metric` for that date, or update the one already there; True if added. A reading
    of client feedback on a service dimension carries it."""
    if not policies.can_add_readings(actor, metric):
        raise MetricError(_("You may not add readings to this metric."))
    note = (note or "").strip()
    _check_reading(taken_on, value, note)
    if dimension is not None and (problem := scale_problem(value)):
        raise MetricError(problem)
    # Two copies of one reading sent at once (form, API or file) would both find no reading for the date
    # and both add one: the second waits here for the first, then updates what the first added.
    lock(metric)
    reading = db.session.get(Reading, (metric.id, taken_on))
    added = reading is None
    if added:
        reading = Reading(metric=metric, taken_on=taken_on)
        db.session.add(reading)
    reading.value, reading.note, reading.dimension = float(value), note, dimension
    db.session.flush()  # counted on the metric's readings version (app/versions.py)
    return reading, added


def readings(metric: Metric) -> list[Reading]:
    """Newest first."""
    return list(db.session.scalars(sa.select(Reading).where(Reading.metric_id == metric.id)
                                   .options(joinedload(Reading.dimension)).order_by(Reading.taken_on.desc())))


def latest_readings() -> dict[int, Reading]:
    """The newest reading of every metric, in one query."""
    newest = (sa.select(Reading.metric_id, sa.func.max(Reading.taken_on).label("taken_on"))
              .group_by(Reading.metric_id).subquery())
    statement = sa.select(Reading).join(newest, sa.and_(Reading.metric_id == newest.c.metric_id,
                                                        Reading.taken_on == newest.c.taken_on))
    return {r.metric_id: r for r in db.session.scalars(statement)}


def recent_values(since: date) -> dict[int, list[tuple[date, float]]]:
    """Readings of every metric since a date, oldest first, in one query (for sparklines)."""
    rows = db.session.execute(sa.select(Reading.metric_id, Reading.taken_on, Reading.value)
                              .where(Reading.taken_on >= since)
                              .order_by(Reading.metric_id, Reading.taken_on)).tuples()
    result: dict[int, list[tuple[date, float]]] = {}
    for metric_id, taken_on, value in rows:
        result.setdefault(metric_id, []).append((taken_on, value))
    return result


# CSV import --------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("metric", "date", "value", "note", "dimension")


@dataclass
class ReadingRow(csvfile.Row):
    metric: Metric | None = None
    taken_on: date | None = None
    value: float | None = None
    note: str = ""
    dimension: Dimension | None = None
    status: str = ""  # "new" or "updated", once checked


def parse_readings_csv(text: str, actor=None) -> list[ReadingRow]:
    """Check every row (an import goes ahead only if no row has a problem); metrics are matched by name,
    ignoring case. With an `actor`, rows of metrics they may not add readings to are problems too."""
    by_name = {m.name.lower(): m for m in metrics()}
    known = dimensions_by_key()
    seen: dict[tuple[int, date], int] = {}
    rows: list[ReadingRow] = []
    latest = latest_allowed_date()
    try:
        for line, values in csvfile.records(text or "", ("metric", "date", "value"), IMPORT_COLUMNS):
            if not any(values.values()):
                continue  # blank lines, e.g. at the end of the file
            row = ReadingRow(line=line, values=values)
            rows.append(row)
            if len(rows) > ROW_LIMIT:
                raise MetricError(_("The file has more than %(n)d rows; split it.", n=ROW_LIMIT))
            _check_row(row, by_name, known, seen, latest, actor)
    except csvfile.CsvFileError as error:
        raise MetricError(str(error)) from None
    if not rows:
        raise MetricError(_("The file has no readings in it."))
    existing = _existing_dates({row.metric.id for row in rows if row.metric is not None})
    for row in rows:
        if row.metric is not None and row.taken_on is not None:
            row.status = "updated" if (row.metric.id, row.taken_on) in existing else "new"
    return rows


def _check_row(row: ReadingRow, by_name: dict, known: dict, seen: dict, latest: date, actor) -> None:
    v, problems = row.values, row.problems
    name = v.get("metric", "")
    row.metric = by_name.get(name.lower())
    if not name:
        problems.append(_("The metric is missing."))
    elif row.metric is None:
        problems.append(_("No metric is called “%(name)s”.", name=name))
    elif actor is not None and not policies.can_add_readings(actor, row.metric):
        problems.append(_("You may not add readings to %(name)s.", name=row.metric.name))
    try:
        row.taken_on = parse_date(v.get("date", ""))
    except MetricError as error:
        problems.append(str(error))
    else:
        if row.taken_on > latest:
            problems.append(_("A reading cannot be dated in the future."))
        elif row.taken_on.year < 1900:
            problems.append(_("The date is too far in the past."))
    try:
        row.value = parse_number(v.get("value", ""))
    except MetricError as error:
        problems.append(str(error))
    else:
        if abs(row.value) > 1e12:
            problems.append(_("The value is too large."))
    row.note = v.get("note", "")
    if len(row.note) > NOTE_LIMIT:
        problems.append(_("The note is longer than %(n)d characters.", n=NOTE_LIMIT))
    try:
        row.dimension = dimension_of(v.get("dimension", ""), known)
    except MetricError as error:
        problems.append(str(error))
    else:
        if row.dimension is not None and row.value is not None and (problem := scale_problem(row.value)):
            problems.append(problem)
    if row.metric is not None and row.taken_on is not None:
        key = (row.metric.id, row.taken_on)
        if key in seen:
            problems.append(_("The same metric and date are on line %(line)d.", line=seen[key]))
        else:
            seen[key] = row.line


def _existing_dates(metric_ids: set[int]) -> set[tuple[int, date]]:
    """The dates that already have a reading, for the metrics involved, in one query."""
    if not metric_ids:
        return set()
    return set(db.session.execute(sa.select(Reading.metric_id, Reading.taken_on)
                                  .where(Reading.metric_id.in_(metric_ids))).tuples())


def import_readings(actor, rows: list[ReadingRow]) -> tuple[int, int]:
    """Write every reading of a checked file, or none; a date already there is updated. (added, updated)."""
    if not rows or any(row.problems for row in rows):
        raise MetricError(_("Fix the problems in the file first; nothing was imported."))
    involved = sorted({row.metric for row in rows}, key=lambda metric: metric.id)
    for metric in involved:
        if not policies.can_add_readings(actor, metric):
            raise MetricError(_("You may not add readings to %(name)s.", name=metric.name))
    lock(*involved)  # as record_reading does
    existing = _existing_dates({metric.id for metric in involved})
    new, changed = [], []
    for row in rows:
        item = {"metric_id": row.metric.id, "taken_on": row.taken_on, "value": row.value, "note": row.note,
                "dimension_id": row.dimension.id if row.dimension else None}
        (changed if (row.metric.id, row.taken_on) in existing else new).append(item)
    db.session.flush()
    # bulk statements: one INSERT and one UPDATE by primary key, executemany, no per-row SELECT
    if new:
        db.session.execute(sa.insert(Reading), new)
    if changed:
        db.session.execute(sa.update(Reading), changed)
    for metric in involved:
        db.session.expire(metric, ["readings"])
        bump_readings(metric)
    record(actor, "readings.import", ", ".join(sorted(metric.name for metric in involved))[:200],
           f"{len(new)} added, {len(changed)} updated")
    db.session.flush()
    return len(new), len(changed)
