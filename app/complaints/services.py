"""Rules of external complaints: the categories' mapping, the all-or-nothing CSV import (idempotent), and
the complaints each department feeds through the service chain."""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.services import record
from app.chain.services import walk
from app.complaints import policies
from app.complaints.models import Complaint, ComplaintCategory
from app.database import flush_unless_taken
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.services import MetricError, latest_allowed_date, parse_date
from app.org.models import Department, ServiceLink
from app.projects.models import RootCause
from app.web import csvfile
from app.web.forms import UNSTORABLE, UNSTORABLE_MESSAGE

NAME_LIMIT = 120
TEXT_LIMIT = 1000
ID_LIMIT = 40
ROW_LIMIT = 50_000
API_LIMIT = 1000  # complaints in one API request
IMPORT_COLUMNS = ("date", "category", "department", "id", "text")
# The source's rule: only 3–7 % of unhappy clients complain, so N complaints stand for about N/0.07 to
# N/0.03 unhappy clients.
COMPLAIN_SHARE = (0.03, 0.07)


def unhappy_clients(complaints: int) -> tuple[int, int]:
    """Roughly how many unhappy clients a number of complaints stands for: only 3–7 % of them complain."""
    low, high = COMPLAIN_SHARE
    return round(complaints / high), round(complaints / low)


class ComplaintError(Exception):
    """A rule of complaints was broken; the message is shown to the user."""


# Categories --------------------------------------------------------------------------------------

def categories() -> list[ComplaintCategory]:
    return list(db.session.scalars(sa.select(ComplaintCategory).order_by(ComplaintCategory.name)))


def save_category(actor, category: ComplaintCategory | None, name: str, dimension: Dimension | None,
                  root_cause: RootCause | None) -> ComplaintCategory:
    """Add a category, or rename and map one; names are unique ignoring case."""
    if not policies.can_manage_categories(actor):
        raise ComplaintError(_("Only admins map complaint categories."))
    name = (name or "").strip()
    if not name:
        raise ComplaintError(_("The category needs a name."))
    if len(name) > NAME_LIMIT:
        raise ComplaintError(_("The name is longer than %(n)d characters.", n=NAME_LIMIT))
    taken = db.session.scalar(sa.select(ComplaintCategory.id).where(
        sa.func.lower(ComplaintCategory.name) == name.lower()))
    if taken is not None and (category is None or taken != category.id):
        raise ComplaintError(_("A category is called “%(name)s” already.", name=name))
    if category is None:
        category = ComplaintCategory()
        db.session.add(category)
    category.name, category.dimension, category.root_cause = name, dimension, root_cause
    flush_unless_taken(ComplaintError(_("A category is called “%(name)s” already.", name=name)))
    record(actor, "complaints.category", name,
           f"{getattr(dimension, 'key', '-')}, {getattr(root_cause, 'key', '-')}")
    return category


# CSV import --------------------------------------------------------------------------------------

@dataclass
class ComplaintRow(csvfile.Row):
    received_on: date | None = None
    category: ComplaintCategory | None = None
    department: Department | None = None
    text: str = ""
    import_key: str = ""


def parse_complaints_csv(text: str) -> list[ComplaintRow]:
    """Check every row (an import goes ahead only if no row has a problem). Categories are matched by name
    and departments by code, ignoring case."""
    check = _checker()
    rows: list[ComplaintRow] = []
    try:
        for line, values in csvfile.records(text or "", ("date", "category", "department"), IMPORT_COLUMNS):
            if not any(values.values()):
                continue
            row = ComplaintRow(line=line, values=values)
            rows.append(row)
            if len(rows) > ROW_LIMIT:
                raise ComplaintError(_("The file has more than %(n)d rows; split it.", n=ROW_LIMIT))
            check(row)
    except csvfile.CsvFileError as error:
        raise ComplaintError(str(error)) from None
    if not rows:
        raise ComplaintError(_("The file has no complaints in it."))
    return rows


def parse_complaint_items(items: list) -> list[ComplaintRow]:
    """The API's complaints (JSON objects with the file's columns as keys), checked as a file's rows are;
    a row's `line` is its index in the list."""
    check = _checker()
    rows = []
    for index, item in enumerate(items):
        item = item if isinstance(item, dict) else {}
        row = ComplaintRow(line=index, values={column: item.get(column) or "" for column in IMPORT_COLUMNS})
        if not all(isinstance(value, str) for value in row.values.values()):
            row.problems.append(_("Each complaint is an object whose fields are text: %(columns)s.",
                                  columns=", ".join(IMPORT_COLUMNS)))
        elif any(UNSTORABLE.search(value) for value in row.values.values()):
            row.problems.append(str(UNSTORABLE_MESSAGE))
        else:
            row.values = {column: value.strip() for column, value in row.values.items()}
            check(row)
        rows.append(row)
    return rows


def _checker():
    """A check of one row after another, against the categories and departments as they are now."""
    by_name = {c.name.lower(): c for c in categories()}
    by_code = {d.code.lower(): d for d in db.session.scalars(sa.select(Department))}
    latest, occurrences, seen_ids = latest_allowed_date(), Counter(), {}
    return lambda row: _check_row(row, by_name, by_code, latest, seen_ids, occurrences)


def _check_row(row: ComplaintRow, by_name: dict, by_code: dict, latest: date, seen_ids: dict,
               occurrences: Counter) -> None:
    v, problems = row.values, row.problems
    try:
        row.received_on = parse_date(v.get("date", ""))
    except MetricError as error:
        problems.append(str(error))
    else:
        if row.received_on > latest:
            problems.append(_("A complaint cannot be dated in the future."))
        elif row.received_on.year < 1900:
            problems.append(_("The date is too far in the past."))
    name, code = v.get("category", ""), v.get("department", "")
    row.category, row.department = by_name.get(name.lower()), by_code.get(code.lower())
    if row.category is None:
        problems.append(_("No complaint category is called “%(name)s”.", name=name[:NAME_LIMIT]))
    if row.department is None:
        problems.append(_("No department has the code “%(code)s”.", code=code[:12]))
    row.text = v.get("text", "")
    if len(row.text) > TEXT_LIMIT:
        problems.append(_("The text is longer than %(n)d characters.", n=TEXT_LIMIT))
    external_id = v.get("id", "")
    if len(external_id) > ID_LIMIT:
        problems.append(_("The id is longer than %(n)d characters.", n=ID_LIMIT))
    elif external_id in seen_ids:
        problems.append(_("The same id is on line %(line)d.", line=seen_ids[external_id]))
    elif external_id:
        seen_ids[external_id] = row.line
    if not problems:
        row.import_key = _import_key(row, external_id, occurrences)


def _import_key(row: ComplaintRow, external_id: str, occurrences: Counter) -> str:
    """The complaint system's id where the file gives one; else a hash of the row and how many identical
    rows came before it in the file, so two like complaints on one day stay two, and the file again adds
    none."""
    if external_id:
        return "id:" + external_id
    content = (row.received_on.isoformat(), row.category.name.lower(), row.department.code.lower(), row.text)
    occurrences[content] += 1
    digest = hashlib.sha256("\x1f".join((*content, str(occurrences[content]))).encode()).hexdigest()
    return "row:" + digest[:59]


def import_complaints(actor, rows: list[ComplaintRow]) -> int:
    """Write every complaint of a checked file, or none; complaints imported before are skipped (their
    import key is unique, so two imports at once keep one copy). Returns how many were added."""
    if not policies.can_import_complaints(actor):
        raise ComplaintError(_("You may not import complaints."))
    if not rows or any(row.problems for row in rows):
        raise ComplaintError(_("Fix the problems in the file first; nothing was imported."))
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    values = [{"received_on": r.received_on, "category_id": r.category.id, "department_id": r.department.id,
               "text": r.text, "import_key": r.import_key} for r in rows]
    db.session.flush()
    added = len(db.session.execute(insert(Complaint).values(values)
                                   .on_conflict_do_nothing(index_elements=["import_key"])
                                   .returning(Complaint.id)).all())
    record(actor, "complaints.import", "", f"{added} added, {len(rows) - added} imported before")
    db.session.flush()
    return added


# Up the chain ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fed:
    """Complaints of one category, received by a client-facing department, that `distance` steps of the
    service chain lead to from the department they are fed by (0: it received them itself)."""

    received_by: Department
    distance: int
    category: ComplaintCategory
    count: int

    @property
    def unhappy_clients(self) -> tuple[int, int]:
        return unhappy_clients(self.count)


def complaints_fed(*departments: Department, start: date, end: date) -> list[Fed]:
    """The complaints received between `start` and `end` (both included) that any of `departments` feeds:
    those it received, and those of every client-facing department it serves through the service map, each
    once, at its shortest distance from the nearest of them. Nearest first, then most complaints. A fixed
    number of queries, however many departments."""
    counts = list(db.session.execute(
        sa.select(Complaint.department_id, Complaint.category_id, sa.func.count())
        .where(Complaint.received_on.between(start, end))
        .group_by(Complaint.department_id, Complaint.category_id)).tuples())
    if not counts:
        return []
    links = list(db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id)).tuples())
    distance_to: dict[int, int] = {}
    for receiver in {receiver for receiver, _category, _count in counts}:
        steps = walk([receiver], links)
        if reached := [steps[d.id] for d in departments if d.id in steps]:
            distance_to[receiver] = min(reached)
    by_receiver: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for receiver, category_id, count in counts:
        if receiver in distance_to:
            by_receiver[receiver].append((category_id, count))
    if not by_receiver:
        return []
    receivers = {d.id: d for d in db.session.scalars(
        sa.select(Department).where(Department.id.in_(by_receiver)))}
    kinds = {c.id: c for c in db.session.scalars(sa.select(ComplaintCategory).where(ComplaintCategory.id.in_(
        {category_id for pairs in by_receiver.values() for category_id, _count in pairs})))}
    fed = [Fed(receivers[r], distance_to[r], kinds[c], n)
           for r, pairs in by_receiver.items() for c, n in pairs]
    return sorted(fed, key=lambda f: (f.distance, -f.count, f.received_by.name.casefold(),
                                      f.category.name.casefold()))
