"""What came of a round for those who took part: per department, the published summary read through the
gate exactly as a scorecard shows it, the projects started from it with their "did it move?", and the
heads' responses to its weakest dimensions.

Which departments a person sees follows from their department and the round alone — their own, and those
the service map lists for it to rate — never from what they answered, finished or skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.services import record
from app.dimensions.models import Dimension
from app.extensions import db
from app.loop.models import MAX_RESPONSE, WeaknessResponse
from app.org.models import Department
from app.projects.models import Project
from app.projects.services import LISTED, Progress, progress_of
from app.ratings.models import Completion, Round, round_departments
from app.ratings.services import providers
from app.reports.results import History, Scorecard, published_rounds, scorecard
from app.time import utcnow


class ResponseError(Exception):
    """A response that may not be written; the message is shown to the head."""


# Whose rounds --------------------------------------------------------------------------------------

def _departments_in_rounds(user) -> dict[int, tuple[set[int], set[int]]]:
    """Round id -> (the department the person belonged to when it closed, the departments they head that
    took part). Every member of a taking-part department has a completion record from closing on, whatever
    they did: it says which department, and this reads nothing else of it."""
    parts: dict[int, tuple[set[int], set[int]]] = {}
    for round_id, department_id in db.session.execute(
            sa.select(Completion.round_id, Completion.department_id).where(Completion.user_id == user.id)):
        parts.setdefault(round_id, (set(), set()))[0].add(department_id)
    if user.head_of:
        for round_id, department_id in db.session.execute(
                sa.select(round_departments.c.round_id, round_departments.c.department_id)
                .where(round_departments.c.department_id.in_(user.head_of))):
            parts.setdefault(round_id, (set(), set()))[1].add(department_id)
    return parts


def rounds_of(user) -> list[Round]:
    """The published rounds the person has a part in, the latest first."""
    parts = _departments_in_rounds(user)
    return [r for r in published_rounds(newest_first=True) if r.id in parts]


def has_rounds(user) -> bool:
    """Whether the menu offers the page: one query, asked on every page a signed-in person opens."""
    published = sa.select(Round.id).where(Round.state == "published")
    part = sa.exists().where(Completion.user_id == user.id, Completion.round_id.in_(published))
    if user.head_of:
        part = sa.or_(part, sa.exists().where(round_departments.c.department_id.in_(user.head_of),
                                              round_departments.c.round_id.in_(published)))
    return bool(db.session.execute(sa.select(part)).scalar())


# The cards -----------------------------------------------------------------------------------------

@dataclass
class Card:
    department: Department
    own: bool  # the person's own department (or one they head), not one theirs was asked to rate
    summary: Scorecard  # read through the gate, comments left out
    projects: list[Project]  # started from this department's results of the round
    progress: dict[int, Progress | None]  # project id -> "did it move?"
    responses: dict[int, WeaknessResponse]  # dimension id -> the department's response
    open_for_responses: bool

    @property
    def blind_spots(self) -> list:
        return [row for row in self.summary.rows if row.flag == "blind_spot"]

    def projects_on(self, dimension_id: int) -> list[Project]:
        return [p for p in self.projects if p.source_dimension_id == dimension_id]

    @property
    def other_projects(self) -> list[Project]:
        """Projects started from a dimension that is not among the three weakest (a head may choose any)."""
        weakest = {row.dimension.id for row in self.summary.weakest}
        return [p for p in self.projects if p.source_dimension_id not in weakest]


def cards(user, round_: Round) -> list[Card]:
    """The person's own departments (theirs, and those they head), then those the service map lists for
    their department to rate in the round — as the rating list shows them, from the map as it is now."""
    member, headed = _departments_in_rounds(user).get(round_.id, (set(), set()))
    by_id = {d.id: d for d in round_.departments}
    own = sorted((by_id[i] for i in member | headed if i in by_id), key=lambda d: d.name)
    rated = {d.id: d for i in member for d in providers(round_, i) if d.id not in member | headed}
    departments = [(d, True) for d in own] + [
        (d, False) for d in sorted(rated.values(), key=lambda d: d.name)]
    if not departments:
        return []
    history = History(round_)
    ids = [d.id for d, _own in departments]
    projects = list(db.session.scalars(
        sa.select(Project).options(*LISTED)
        .where(Project.source_round_id == round_.id, Project.source_department_id.in_(ids))
        .order_by(Project.created_at, Project.id)))
    responses = list(db.session.scalars(sa.select(WeaknessResponse).where(
        WeaknessResponse.round_id == round_.id, WeaknessResponse.department_id.in_(ids))))
    later = _departments_published_later(round_)
    moved = progress_of(projects)
    return [Card(department=d, own=is_own, summary=scorecard(round_, d, with_comments=False, history=history),
                 projects=[p for p in projects if p.source_department_id == d.id],
                 progress={p.id: moved.get(p.id) for p in projects if p.source_department_id == d.id},
                 responses={r.dimension_id: r for r in responses if r.department_id == d.id},
                 open_for_responses=d.id not in later)
            for d, is_own in departments]


def _departments_published_later(round_: Round) -> set[int]:
    """The departments that took part in a round published after this one (by its dates): their new
    results answer for them now, so responses to this round's are closed."""
    rounds = published_rounds(with_departments=True)
    ids = [r.id for r in rounds]
    later = rounds[ids.index(round_.id) + 1:] if round_.id in ids else []
    return {d.id for r in later for d in r.departments}


# Responses -----------------------------------------------------------------------------------------

def save_response(actor, round_: Round, department: Department, dimension: Dimension, text: str) -> None:
    """Write, change or (with an empty text) take back the department's response to one of its three
    weakest dimensions of a published round, while no later round of the department is published. The
    caller checks that `actor` may speak for the department (policies.can_respond_to_weakness)."""
    text = text.strip()
    if len(text) > MAX_RESPONSE:
        raise ResponseError(_("A response is at most %(n)d characters.", n=MAX_RESPONSE))
    if round_.state != "published" or department not in round_.departments:
        raise ResponseError(_("The results of this round are not published."))
    if department.id in _departments_published_later(round_):
        raise ResponseError(_("A later round's results are published: responses to this one are closed."))
    weakest = scorecard(round_, department, with_comments=False).weakest
    if dimension.id not in {row.dimension.id for row in weakest}:
        raise ResponseError(_("Responses are for the department's three weakest dimensions."))
    key = {"round_id": round_.id, "department_id": department.id, "dimension_id": dimension.id}
    if text:
        # One statement, so two heads saving at once leave one response, the later one.
        insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(
            WeaknessResponse.__table__)
        db.session.execute(insert.values(**key, text=text, updated_at=utcnow()).on_conflict_do_update(
            index_elements=list(key), set_={"text": text, "updated_at": utcnow()}))
    else:
        db.session.execute(sa.delete(WeaknessResponse).filter_by(**key))
    record(actor, "weakness.respond", f"{department.name} · {dimension.name} · {round_.name}")
    db.session.flush()


def response(round_: Round, department: Department, dimension: Dimension) -> WeaknessResponse | None:
    return db.session.get(WeaknessResponse, (round_.id, department.id, dimension.id))
