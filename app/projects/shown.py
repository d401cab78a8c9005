"""What a project's page shows, read as plain rows in a fixed number of statements.

Loading the project with its lists as ORM objects took most of the page's time. Plain values also make
what the page shows one comparable key: the page's body is kept under it (views.py). The key is the
project's row with every name it shows (ProjectHead, one statement), the version of its lists and the
version of the names they show (both set by database triggers), and what the published rounds are; the
lists themselves are read only when the body is rendered (ProjectShown). So any change makes a new key,
and so a new body, at once.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.auth.models import LANGUAGES, User
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import NAMES_VERSION, Department
from app.projects.models import (
    CheckIn,
    Project,
    ProjectEvent,
    RootCause,
    project_departments,
    project_members,
)
from app.ratings.models import Round
from app.workshops.models import Card, Workshop


@dataclass(frozen=True)
class Named:
    """A department, person, round, dimension, root cause or workshop, as the page names it."""
    id: int
    name: str


@dataclass(frozen=True)
class MetricShown:
    id: int
    name: str
    direction: str
    created_at: datetime
    readings_version: int


@dataclass(frozen=True)
class CheckInShown:
    on: date
    status: str
    done: str
    author: Named | None


@dataclass(frozen=True)
class EventShown:
    at: datetime
    actor: Named | None
    from_status: str | None
    to_status: str
    note: str


@dataclass(frozen=True)
class ProjectHead:
    """The project's row as its page shows it, and what says whether anything else it shows changed. The
    policies read the same attributes of it as of a Project."""
    id: int
    title: str
    problem: str
    evidence: str
    status: str
    baseline: float | None
    baseline_window: int | None
    target_value: float | None
    target_date: date | None
    expected_lag_days: int | None
    started_on: date | None
    lead_id: int | None
    metric_id: int | None
    source_round_id: int | None
    source_department_id: int | None
    source_dimension_id: int | None
    owner_department: Named
    lead: Named | None
    root_cause: Named | None
    metric: MetricShown | None
    source_round: Named | None
    source_department: Named | None
    source_dimension: Named | None
    origin: Named | None  # the workshop whose card became this project: the link back to its minutes
    member_ids: frozenset[int]
    lists_version: int  # its departments, members, check-ins and moves (Project.lists_version)
    names_version: int | None  # the names of departments and people in those lists (NamesVersion)
    published: tuple  # how many rounds are published, and when the last was: the source's figures


@dataclass(frozen=True)
class ProjectShown(ProjectHead):
    """The project with its lists, read when its page's body is rendered."""
    departments: tuple[Named, ...]
    members: tuple[Named, ...]
    check_ins: tuple[CheckInShown, ...]
    events: tuple[EventShown, ...]


def _named(id_, name) -> Named | None:
    return None if id_ is None else Named(id_, name)


# Built once: one statement per language for the project and every name
# it shows, then its lists.
_owner, _source_department = aliased(Department), aliased(Department)
_lead = aliased(User)
_origin = (sa.select(Workshop.id, Workshop.title).join(Card, Card.workshop_id == Workshop.id)
           .where(Card.project_id == Project.id).order_by(Card.id).limit(1))
_published = aliased(Round)
_published_rounds = sa.select(sa.func.count(), sa.func.max(_published.published_at)).where(
    _published.state == "published")
PROJECT = {
    locale: sa.select(
        Project.id, Project.title, Project.problem, Project.evidence, Project.status, Project.baseline,
        Project.baseline_window, Project.target_value, Project.target_date, Project.expected_lag_days,
        Project.started_on, Project.lead_id, Project.metric_id, Project.source_department_id,
        Project.source_dimension_id,
        _owner.id, _owner.name, _lead.name, RootCause.id, getattr(RootCause, f"name_{locale}"),
        Metric.name, Metric.direction, Metric.created_at, Metric.readings_version,
        Project.source_round_id, Round.name, _source_department.name,
        getattr(Dimension, Dimension.column_of("name", locale)),
        _origin.with_only_columns(Workshop.id).scalar_subquery(),
        _origin.with_only_columns(Workshop.title).scalar_subquery(),
        sa.select(sa.func.aggregate_strings(sa.cast(project_members.c.user_id, sa.String), ","))
        .where(project_members.c.project_id == Project.id).scalar_subquery(),
        Project.lists_version, NAMES_VERSION,
        _published_rounds.with_only_columns(sa.func.count()).scalar_subquery(),
        _published_rounds.with_only_columns(sa.func.max(_published.published_at)).scalar_subquery(),
    ).join(_owner, _owner.id == Project.owner_department_id)
    .outerjoin(_lead, _lead.id == Project.lead_id)
    .outerjoin(RootCause, RootCause.id == Project.root_cause_id)
    .outerjoin(Metric, Metric.id == Project.metric_id)
    .outerjoin(Round, Round.id == Project.source_round_id)
    .outerjoin(_source_department, _source_department.id == Project.source_department_id)
    .outerjoin(Dimension, Dimension.id == Project.source_dimension_id)
    .where(Project.id == sa.bindparam("id"))
    for locale in LANGUAGES
}
_departments = (sa.select(sa.literal(0).label("kind"), Department.id, Department.name)
                .join(project_departments, project_departments.c.department_id == Department.id)
                .where(project_departments.c.project_id == sa.bindparam("id")))
_members = (sa.select(sa.literal(1).label("kind"), User.id, User.name)
            .join(project_members, project_members.c.user_id == User.id)
            .where(project_members.c.project_id == sa.bindparam("id")))
_both = sa.union_all(_departments, _members).subquery()
DEPARTMENTS_AND_MEMBERS = sa.select(_both).order_by(_both.c.kind, _both.c.name, _both.c.id)
CHECK_INS = (sa.select(CheckIn.on, CheckIn.status, CheckIn.done, User.id, User.name)
             .outerjoin(User, User.id == CheckIn.author_id).where(CheckIn.project_id == sa.bindparam("id"))
             .order_by(CheckIn.on.desc(), CheckIn.id.desc()))
EVENTS = (sa.select(ProjectEvent.at, User.id, User.name, ProjectEvent.from_status, ProjectEvent.to_status,
                    ProjectEvent.note)
          .outerjoin(User, User.id == ProjectEvent.actor_id)
          .where(ProjectEvent.project_id == sa.bindparam("id")).order_by(ProjectEvent.id))


def project_head(project_id: int, locale: str) -> ProjectHead | None:
    """The project's row as its page shows it in `locale`, or None when there is no such project."""
    row = db.session.execute(PROJECT[locale if locale in PROJECT else "en"], {"id": project_id}).one_or_none()
    if row is None:
        return None
    (id_, title, problem, evidence, status, baseline, window, target, target_date, lag, started_on, lead_id,
     metric_id, source_department_id, source_dimension_id, owner_id, owner_name, lead_name, cause_id,
     cause_name, metric_name, direction, metric_created, readings_version, round_id, round_name,
     source_department_name, dimension_name, workshop_id, workshop_title, members, lists_version,
     names_version, published, last_published) = row
    return ProjectHead(
        id=id_, title=title, problem=problem, evidence=evidence, status=status, baseline=baseline,
        baseline_window=window, target_value=target, target_date=target_date, expected_lag_days=lag,
        started_on=started_on, lead_id=lead_id, metric_id=metric_id, source_round_id=round_id,
        source_department_id=source_department_id, source_dimension_id=source_dimension_id,
        owner_department=Named(owner_id, owner_name), lead=_named(lead_id, lead_name),
        root_cause=_named(cause_id, cause_name),
        metric=None if metric_id is None else MetricShown(metric_id, metric_name, direction, metric_created,
                                                          readings_version),
        source_round=_named(round_id, round_name),
        source_department=_named(source_department_id, source_department_name),
        source_dimension=_named(source_dimension_id, dimension_name),
        origin=_named(workshop_id, workshop_title),
        member_ids=frozenset(map(int, members.split(","))) if members else frozenset(),
        lists_version=lists_version, names_version=names_version, published=(published, last_published),
    )


def project_shown(head: ProjectHead) -> ProjectShown:
    """The project with its lists, read now."""
    listed = db.session.execute(DEPARTMENTS_AND_MEMBERS, {"id": head.id}).all()
    return ProjectShown(
        **{field.name: getattr(head, field.name) for field in fields(ProjectHead)},
        departments=tuple(Named(i, name) for kind, i, name in listed if kind == 0),
        members=tuple(Named(i, name) for kind, i, name in listed if kind == 1),
        check_ins=tuple(CheckInShown(on, state, done, _named(author_id, author))
                        for on, state, done, author_id, author
                        in db.session.execute(CHECK_INS, {"id": head.id})),
        events=tuple(EventShown(at, _named(actor_id, actor), from_status, to_status, note)
                     for at, actor_id, actor, from_status, to_status, note
                     in db.session.execute(EVENTS, {"id": head.id})),
    )
