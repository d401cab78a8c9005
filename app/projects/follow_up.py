"""What `flask tick` tells people of projects: a check-in that is due, to the project's lead (or the owner
department's heads while it has none), and on Mondays (UTC) a digest for heads and facilitators. Each is
written once (its outbox once_key): once per check-in period, once per ISO week."""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.metrics.policies import can_view_metrics
from app.notices.models import Notice
from app.notices.services import enqueue
from app.org.models import Department
from app.projects.models import CheckIn, Project
from app.projects.policies import can_view_projects
from app.projects.services import overdue_tasks
from app.web.links import app_path
from app.web.policies import has_any_role


@dataclass(frozen=True)
class Stale:
    project: Project
    since: date  # its last check-in, or its start
    due_on: date  # the first day of the check-in period it is in now


def _project_path(project: Project, part: str = "") -> str:
    return app_path("projects.detail", project_id=project.id) + part


def stale_check_ins(today: date) -> list[Stale]:
    """The active projects whose last check-in (or start, before any) is CHECKIN_DAYS old or older."""
    every = current_app.config["CHECKIN_DAYS"]
    last = sa.select(sa.func.max(CheckIn.on)).where(CheckIn.project_id == Project.id).scalar_subquery()
    rows = db.session.execute(
        sa.select(Project, sa.func.coalesce(last, Project.started_on))
        .options(selectinload(Project.owner_department).selectinload(Department.heads))
        .where(Project.status == "active").order_by(Project.id)).all()
    stale = []
    for project, since in rows:
        periods = (today - since).days // every
        if periods >= 1:
            stale.append(Stale(project, since, since + timedelta(days=periods * every)))
    return stale


def remind_check_ins(today: date) -> int:
    """A notice to whoever answers for each project whose check-in is due, once a check-in period: how
    many were written."""
    written = 0
    for stale in stale_check_ins(today):
        project = stale.project
        people = [project.lead] if project.lead is not None and project.lead.active else [
            head for head in project.owner_department.heads if head.active]
        written += enqueue("check_in_due", [
            (person.id, {"project": project.title, "since": stale.since.isoformat()},
             _project_path(project, "#check-ins")) for person in people],
            once_key=f"check-in:{project.id}:{stale.due_on.isoformat()}")
    return written


def digest_key(today: date) -> str:
    year, week, _day = today.isocalendar()
    return f"digest:{year}-W{week:02d}"


def weekly_digest(today: date) -> int:
    """On Mondays, for each active head and facilitator, what needs a look among what they may see: stale
    check-ins, projects off track, overdue tasks, metrics without a fresh reading; nothing for someone with
    nothing to look at. How many were written."""
    key = digest_key(today)
    if today.weekday() != 0 or db.session.scalar(sa.select(sa.exists().where(Notice.once_key == key))):
        return 0
    projects = list(db.session.scalars(
        sa.select(Project).options(selectinload(Project.departments), selectinload(Project.metric))
        .where(Project.status.in_(("proposed", "active"))).order_by(Project.title, Project.id)))
    stale = {s.project.id: s for s in stale_check_ins(today)}
    overdue = overdue_tasks([p.id for p in projects], today)
    latest = sa.select(CheckIn.status).where(CheckIn.project_id == Project.id).order_by(
        CheckIn.on.desc(), CheckIn.id.desc()).limit(1).scalar_subquery()
    off_track = set(db.session.scalars(sa.select(Project.id).where(Project.status == "active",
                                                                   latest == "off_track")))
    fresh_since = today - timedelta(days=current_app.config["METRIC_FRESH_DAYS"])
    last_reading = dict(db.session.execute(
        sa.select(Reading.metric_id, sa.func.max(Reading.taken_on)).group_by(Reading.metric_id)).all())
    unfresh = [m for m in db.session.scalars(sa.select(Metric).order_by(Metric.name))
               if last_reading.get(m.id) is None or last_reading[m.id] < fresh_since]
    people = db.session.scalars(sa.select(User).options(selectinload(User.headed_departments)).where(
        User.active.is_(True), sa.or_(User.is_facilitator, User.headed_departments.any())).order_by(User.id))
    notes = []
    for person in people:
        everything = has_any_role(person, "facilitator")
        mine = [p for p in projects if can_view_projects(person) and (
            everything or person.head_of & {d.id for d in p.departments})]
        metric_ids = {p.metric_id for p in mine}
        metrics = [m for m in unfresh if can_view_metrics(person) and (
            everything or m.owner_department_id in person.head_of or m.id in metric_ids)]
        parameters = {
            "stale": [{"project": p.title, "since": stale[p.id].since.isoformat(),
                       "path": _project_path(p, "#check-ins")} for p in mine if p.id in stale],
            "off_track": [{"project": p.title, "path": _project_path(p)} for p in mine if p.id in off_track],
            "overdue": [{"project": p.title, "tasks": overdue[p.id], "path": _project_path(p, "#tasks")}
                        for p in mine if p.id in overdue],
            "metrics": [{"metric": m.name, "last": last_reading[m.id].isoformat() if m.id in last_reading
                         else None, "path": app_path("metrics.detail", metric_id=m.id)} for m in metrics],
        }
        if any(parameters.values()):
            notes.append((person.id, {"week": key.removeprefix("digest:"), **parameters},
                          app_path("projects.index")))
    return enqueue("digest", notes, once_key=key)
