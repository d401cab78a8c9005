"""The rules of improvement projects: cross-department, a metric before they start, a baseline from the
readings before the start, a lifecycle with every move recorded, check-ins, and "did it move?"."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.audit.services import record
from app.auth.models import User, department_heads
from app.database import flush_once, flush_unless_taken, lock
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.org.models import Department
from app.projects.models import (
    CHECK_IN_STATUSES,
    BaselineReading,
    CheckIn,
    Project,
    ProjectEvent,
    RootCause,
    Task,
    project_departments,
)
from app.projects.movement import HISTORY, Comparison, Movement, against_history
from app.ratings.models import Round
from app.reports.gate import Figure, RoundResults, results_of
from app.reports.results import published_rounds
from app.stats import Estimate, estimate
from app.time import utcnow
from app.web.memo import kept, kept_many
from app.web.numbers import number, percent

BASELINE_READINGS = 3  # the baseline is the mean of the last three readings before the start
PROJECT_MOVES = {  # action: (statuses it may leave, status it reaches)
    "start": (("proposed",), "active"),
    "complete": (("active",), "completed"),
    "cancel": (("proposed", "active"), "cancelled"),
}
# The typical split of root causes from the source, by group of categories (low %, high %).
TYPICAL_SPLIT = (
    (("processes", "systems", "products"), 50, 60),
    (("clients",), 20, 30),
    (("people",), 20, 30),
)


class ProjectError(Exception):
    """A rule of projects was broken; the message is shown to the user, at `field` of the project form
    when it is about one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Root causes -------------------------------------------------------------------------------------

def root_causes(include_retired: bool = False) -> list[RootCause]:
    query = sa.select(RootCause).order_by(RootCause.position, RootCause.id)
    if not include_retired:
        query = query.where(RootCause.retired.is_(False))
    return list(db.session.scalars(query))


def save_root_cause(actor: User, cause: RootCause | None, key: str, name_en: str, name_ru: str,
                    position: int, retired: bool) -> RootCause:
    key = key.strip().lower()
    taken = ProjectError(_("A root cause with the key %(key)s already exists.", key=key))
    clash = db.session.scalar(sa.select(RootCause).where(RootCause.key == key))
    if clash is not None and clash is not cause:
        raise taken
    if cause is None:
        cause = RootCause()
        db.session.add(cause)
    cause.key, cause.name_en, cause.name_ru = key, name_en.strip(), name_ru.strip()
    cause.position, cause.retired = position, retired
    flush_unless_taken(taken)  # a copy of this form sent at the same moment may have added it since
    record(actor, "root_cause.save", cause.key)
    return cause


# Starting from a weak spot -----------------------------------------------------------------------

@dataclass
class WeakSpot:
    """The (round, department, dimension) a project starts from. The project keeps only these: its page
    reads the figures through the gate for each reader (source_figures), none is stored with it."""
    round: Round
    department: Department
    dimension: Dimension

    @property
    def title(self) -> str:
        return _("Improve %(dimension)s of %(department)s", dimension=self.dimension.name.lower(),
                 department=self.department.name)


def weak_spot(round_: Round, department: Department, dimension: Dimension) -> WeakSpot:
    """A weak spot of a published round's results."""
    if round_.state != "published":
        raise ProjectError(_("The results of this round are not published."))
    return WeakSpot(round_, department, dimension)


# Saving ------------------------------------------------------------------------------------------

@dataclass
class ProjectData:
    title: str
    owner_department: Department
    departments: list[Department]  # participating departments besides (or including) the owner
    problem: str = ""
    evidence: str = ""
    lead: User | None = None
    members: list[User] = field(default_factory=list)
    root_cause: RootCause | None = None
    metric: Metric | None = None
    target_value: float | None = None
    target_date: date | None = None
    expected_lag_days: int | None = None
    source: WeakSpot | None = None
    form_token: str | None = None  # of the "new project" form: a second copy of it makes no second project


def _check_target(metric: Metric, baseline: float, target: float) -> None:
    better = target > baseline if metric.direction == "higher" else target < baseline
    if not better:
        shown = number(baseline)  # a mean of readings: 32.333333 helps nobody
        raise ProjectError(
            _("For %(metric)s higher is better: the target must be above the baseline %(baseline)s.",
              metric=metric.name, baseline=shown) if metric.direction == "higher" else
            _("For %(metric)s lower is better: the target must be below the baseline %(baseline)s.",
              metric=metric.name, baseline=shown), "target_value")


def save_project(actor: User, project: Project | None, data: ProjectData) -> Project:
    """Create a project (status proposed) or edit one; the owner plus at least one other department. A
    project its form (data.form_token) already made is not made again: MadeAlready names it."""
    title = data.title.strip()
    if not title:
        raise ProjectError(_("Give the project a title."), "title")
    departments = list(dict.fromkeys([data.owner_department, *data.departments]))
    if len(departments) < 2:
        raise ProjectError(_("A project is cross-department: choose at least one participating department "
                             "besides the owner."), "department_ids")
    if data.expected_lag_days is not None and data.expected_lag_days < 0:
        raise ProjectError(_("The expected lag cannot be negative."), "expected_lag_days")
    if project is not None:
        lock(project)  # the rules below depend on its status: a start or a cancel may be under way
    if project is not None and project.status in ("completed", "cancelled"):
        raise ProjectError(_("A finished project can no longer be edited."))
    if project is not None and project.status == "active":
        if data.metric is not project.metric:
            raise ProjectError(_("The metric of an active project is fixed: its baseline was taken from it."),
                               "metric_id")
        if data.target_value is None or data.target_date is None:
            raise ProjectError(_("An active project needs a target value and a target date."), "target_value")
        _check_target(project.metric, project.baseline, data.target_value)
    created = project is None
    if created:
        project = Project(created_by=actor, status="proposed", form_token=data.form_token)
        if data.source is not None:
            project.source_round = data.source.round
            project.source_department = data.source.department
            project.source_dimension = data.source.dimension
        db.session.add(project)
    project.title = title
    project.problem = data.problem.strip()
    project.evidence = data.evidence.strip()
    project.owner_department = data.owner_department
    project.departments = departments
    project.members = list({m.id: m for m in data.members}.values())  # users compare by session
    for name in ("lead", "root_cause", "metric", "target_value", "target_date", "expected_lag_days"):
        setattr(project, name, getattr(data, name))
    if created:
        project.events.append(ProjectEvent(actor=actor, from_status=None, to_status="proposed"))
        flush_once(project)
    else:
        db.session.flush()
    return project


# The baseline and the lifecycle ------------------------------------------------------------------

def baseline_readings(metric: Metric, start: date) -> list[sa.Row]:
    """The readings the baseline is taken from: the last three (date and value) before the start day,
    oldest first. Plain rows: the project page keeps them between requests."""
    rows = db.session.execute(sa.select(Reading.taken_on, Reading.value)
                              .where(Reading.metric_id == metric.id, Reading.taken_on < start)
                              .order_by(Reading.taken_on.desc()).limit(BASELINE_READINGS))
    return list(rows)[::-1]


@dataclass
class TargetFacts:
    """What a target is set against, shown beside the target field."""
    baseline: float | None  # taken at the start, or as it would be if the project started today
    taken: bool  # whether the baseline was taken (the project started)
    latest: sa.Row | None  # the metric's newest reading (date and value)


def target_facts(metric: Metric, project: Project | None) -> TargetFacts:
    taken = project is not None and project.started_on is not None and project.metric_id == metric.id
    if taken:
        baseline = project.baseline
    else:
        try:
            baseline, _readings = compute_baseline(metric, date.today())
        except ProjectError:  # no readings yet
            baseline = None
    latest = db.session.execute(sa.select(Reading.taken_on, Reading.value)
                                .where(Reading.metric_id == metric.id)
                                .order_by(Reading.taken_on.desc()).limit(1)).first()
    return TargetFacts(baseline, taken, latest)


def compute_baseline(metric: Metric, start: date) -> tuple[float, list[Reading]]:
    readings = baseline_readings(metric, start)
    if not readings:
        raise ProjectError(_("%(metric)s has no readings before %(date)s: add some first, the baseline is "
                             "taken from them.", metric=metric.name, date=start.isoformat()))
    return sum(r.value for r in readings) / len(readings), readings


def move(actor: User, project: Project, action: str, on: date | None = None, note: str = "") -> Project:
    """Start, complete or cancel a project; every move is recorded with who and when."""
    if action not in PROJECT_MOVES:
        raise ProjectError(_("Unknown step."))
    sources, to_status = PROJECT_MOVES[action]
    lock(project)
    if project.status == to_status:  # the same move sent twice: the first one did it
        raise ProjectError(_("The project is already %(status)s.", status=status_label(to_status)))
    if project.status not in sources:
        raise ProjectError(_("A %(status)s project cannot be moved to %(to)s.", status=status_label(
            project.status), to=status_label(to_status)))
    if action == "start":
        on = on or date.today()
        missing = [label for value, label in ((project.metric, _("a metric")),
                                              (project.target_value, _("a target value")),
                                              (project.target_date, _("a target date"))) if value is None]
        if missing:
            raise ProjectError(_("A project cannot start without %(missing)s.", missing=", ".join(missing)))
        if project.target_date <= on:
            raise ProjectError(_("The target date must be after the start."))
        baseline, readings = compute_baseline(project.metric, on)
        _check_target(project.metric, baseline, project.target_value)
        project.baseline, project.baseline_window, project.started_on = baseline, BASELINE_READINGS, on
        project.baseline_readings = [BaselineReading(taken_on=r.taken_on, value=r.value) for r in readings]
    project.events.append(ProjectEvent(actor=actor, from_status=project.status, to_status=to_status,
                                       note=note.strip()))
    project.status = to_status
    db.session.flush()
    record(actor, f"project.{action}", project)
    return project


def add_check_in(actor: User, project: Project, on: date, done: str, status: str) -> CheckIn:
    lock(project)  # a completion may be under way, or the same check-in sent twice
    if project.status in ("completed", "cancelled"):
        raise ProjectError(_("A finished project takes no more check-ins."))
    if status not in CHECK_IN_STATUSES:
        raise ProjectError(_("Choose on track, at risk or off track."))
    if not done.strip():
        raise ProjectError(_("Say what was done."))
    if on > date.today():
        raise ProjectError(_("A check-in cannot be dated in the future."))
    if db.session.scalar(sa.select(CheckIn.id).where(CheckIn.project_id == project.id, CheckIn.on == on,
                                                     CheckIn.done == done.strip())):
        raise ProjectError(_("This check-in is already recorded."))
    check_in = CheckIn(project=project, on=on, done=done.strip(), status=status, author=actor)
    db.session.add(check_in)
    db.session.flush()
    return check_in


# Tasks -------------------------------------------------------------------------------------------

def _task_rules(project: Project, title: str, owner: User | None) -> str:
    """The title as kept, once the task may be written: on a project under way, with an active owner."""
    lock(project)  # a completion may be under way
    if project.status in ("completed", "cancelled"):
        raise ProjectError(_("A finished project's tasks can no longer change."))
    title = title.strip()
    if not title:
        raise ProjectError(_("Say what the task is."), "title")
    if owner is None or not owner.active:
        raise ProjectError(_("Choose who does the task."), "owner_id")
    return title


def task_owners(project: Project, *also: User | None) -> list[User]:
    """Whom a task may be given to, by name: the project's lead and members, the heads of its departments,
    and whoever else is named (the person adding it, a task's owner). Not the whole company: a select of
    20,000 people made the project page take seconds (docs/BENCHMARKS.md, "Findings")."""
    heads = db.session.scalars(
        sa.select(User).join(department_heads, department_heads.c.user_id == User.id)
        .where(department_heads.c.department_id.in_([d.id for d in project.departments])))
    people = [project.lead, *project.members, *heads, *also]
    return sorted({p.id: p for p in people if p is not None and p.active}.values(), key=lambda p: p.name)


def add_task(actor: User, project: Project, title: str, owner: User | None, due_on: date | None,
             form_token: str | None = None) -> Task:
    """A task for anyone active, on a project still under way. A task its form (`form_token`) already
    added is not added again: MadeAlready names it."""
    title = _task_rules(project, title, owner)
    task = Task(project=project, title=title, owner=owner, due_on=due_on, created_by_id=actor.id,
                form_token=form_token)
    db.session.add(task)
    flush_once(task)
    record(actor, "task.add", project, title)
    return task


def edit_task(actor: User, task: Task, title: str, owner: User | None, due_on: date | None) -> Task:
    task.title = _task_rules(task.project, title, owner)
    task.owner, task.due_on = owner, due_on
    db.session.flush()
    record(actor, "task.edit", task.project, task.title)
    return task


def set_task_done(actor: User, task: Task, done: bool) -> Task:
    """Tick a task done or undo it. Sent twice (a double-click, two tabs), the second finds it so already
    and changes nothing."""
    lock(task)
    if task.done == done:
        return task
    task.done, task.done_at = done, utcnow() if done else None
    db.session.flush()
    record(actor, "task.done" if done else "task.undone", task.project, task.title)
    return task


def overdue_tasks(project_ids, today: date) -> dict[int, int]:
    """How many tasks are overdue (not done, due before `today`) per project, for any number of projects
    in one query; projects with none are left out."""
    return dict(db.session.execute(
        sa.select(Task.project_id, sa.func.count()).where(
            Task.project_id.in_(list(project_ids)), Task.done.is_(False), Task.due_on < today)
        .group_by(Task.project_id)).all())


STATUS_LABELS = {"proposed": _l("proposed"), "active": _l("active"), "completed": _l("completed"),
                 "cancelled": _l("cancelled"), "on_track": _l("on track"), "at_risk": _l("at risk"),
                 "off_track": _l("off track")}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))  # translated now: only the one asked for


# Did it move? ------------------------------------------------------------------------------------

@dataclass
class Progress:
    baseline: float
    target: float
    since: date  # readings from this day on count (the start plus the expected lag)
    readings: list[sa.Row]  # the readings (date, value) the current value is taken from
    current: float | None  # mean of the last three readings since `since`, None before any
    movement: Movement  # the readings since `since` against what the metric's own history predicted

    @property
    def moved(self) -> float | None:
        return None if self.current is None else self.current - self.baseline

    @property
    def share(self) -> float | None:
        """How much of the way from baseline to target is covered: 0 at the baseline, 1 at the target;
        negative when the metric moved the wrong way, above 1 beyond the target. Direction-aware because
        the target always lies in the metric's better direction."""
        if self.current is None or self.target == self.baseline:
            return None
        return (self.current - self.baseline) / (self.target - self.baseline)

    @property
    def percent(self) -> int | None:
        """The share as shown on the bar: clamped to 0…100 (see `state` for beyond or wrong way)."""
        share = self.share
        return None if share is None else round(100 * min(1.0, max(0.0, share)))

    @property
    def state(self) -> str:
        share = self.share
        if share is None:
            return "no_readings"
        if share > 1:
            return "beyond_target"
        if share < 0:
            return "wrong_way"
        return "towards_target"

    @property
    def way(self) -> str | None:
        """How far along the way from baseline to target, in words; None before any reading."""
        state = self.state
        if state == "no_readings":
            return None
        if state == "beyond_target":
            return _("Beyond target: %(percent)d%% of the way covered.", percent=round(self.share * 100))
        if state == "wrong_way":
            return _("Moved the wrong way: away from the target.")
        return _("%(percent)d%% of the way from baseline to target covered so far.", percent=self.percent)

    @property
    def verdict(self) -> str:
        """"Did it move?" in words, as the project page says it (the portfolio, the workshops' review and
        "you said — we did" repeat it): against the metric's own history, then the way to the target."""
        return " ".join(words for words in (self.movement.words, self.way) if words)


def current_rule() -> str:
    return _("mean of the last %(n)d readings since the start (plus the expected lag)", n=BASELINE_READINGS)


def progress(project: Project) -> Progress | None:
    return progress_of([project]).get(project.id)


def progress_of(projects: list[Project], today: date | None = None) -> dict[int, Progress]:
    """"Did it move?" of each started project with a target, by its id. Each is kept (app.web.memo) under
    its metric's readings version and all of the project it depends on: a list of many projects fits a
    model again only for those whose readings or figures changed (a fit takes 0.4–3 ms, BENCHMARKS)."""
    judged = [p for p in projects
              if p.started_on is not None and p.baseline is not None and p.target_value is not None]
    if not judged:
        return {}
    today = today or date.today()
    metrics = {row.id: tuple(row) for row in db.session.execute(
        sa.select(Metric.id, Metric.created_at, Metric.readings_version, Metric.direction)
        .where(Metric.id.in_({p.metric_id for p in judged})))}
    wanted = {(p.id, p.baseline, p.target_value, p.started_on, p.expected_lag_days, metrics[p.metric_id],
               today): p for p in judged}
    found = kept_many("progress", wanted, lambda missing: _work_out_progress(missing, today), size=1024)
    return {key[0]: progress for key, progress in found.items()}


def _work_out_progress(judged: list[Project], today: date) -> dict[Project, Progress]:
    """One statement for any number of projects, reading each metric's readings from the history its
    projects' forecasts are fitted on (movement.HISTORY before the earliest start) to now."""
    first: dict[int, date] = {}  # metric id -> the earliest day any of its projects needs
    for p in judged:
        first[p.metric_id] = min(first.get(p.metric_id, p.started_on), p.started_on - HISTORY)
    readings = defaultdict(list)  # metric id -> its readings, oldest first
    for row in db.session.execute(
            sa.select(Reading.metric_id, Reading.taken_on, Reading.value)
            .where(sa.or_(*(sa.and_(Reading.metric_id == metric_id, Reading.taken_on >= day)
                            for metric_id, day in first.items())))
            .order_by(Reading.metric_id, Reading.taken_on)):
        readings[row.metric_id].append(row)
    found = {}
    for p in judged:
        since = p.started_on + timedelta(days=p.expected_lag_days or 0)
        rows = readings[p.metric_id]
        last = [r for r in rows if r.taken_on >= since][-BASELINE_READINGS:]
        current = sum(r.value for r in last) / len(last) if last else None
        movement = against_history([(r.taken_on, r.value) for r in rows], p.started_on, since, today,
                                   p.metric.direction, p.target_value - p.baseline)
        found[p] = Progress(p.baseline, p.target_value, since, last, current, movement)
    return found


@dataclass(frozen=True)
class SourceFigures:
    """The source's figures in the round the project started from, as the publishing gate releases them."""
    round: Round
    others: Figure | None  # None: not enough responses (or the department did not take part)
    self_view: Figure | None


def source_figures(project) -> SourceFigures | None:
    """Where the project started, read through the gate for readers who may see the department's results
    (policies.can_see_source_figures); None without a source or before its round is published."""
    if None in (project.source_round_id, project.source_department_id, project.source_dimension_id):
        return None
    round_ = db.session.get(Round, project.source_round_id)
    if round_ is None or round_.state != "published":
        return None
    results = RoundResults(round_)
    if not results.took_part(project.source_department_id):
        return SourceFigures(round_, None, None)
    return SourceFigures(round_, results.total("service", project.source_department_id,
                                               project.source_dimension_id),
                         results.total("self", project.source_department_id, project.source_dimension_id))


@dataclass(frozen=True)
class SourceScore:
    round: Round
    figure: Figure | None  # None: not enough responses (or the department did not take part)


def source_scores(project: Project) -> list[SourceScore]:
    """The internal score of the source (department, dimension) in each published round, via the gate."""
    if project.source_department is None or project.source_dimension is None:
        return []
    rounds = published_rounds()
    results = results_of(rounds)  # every round read together, however long the history
    return [SourceScore(r, results[r.id].total("service", project.source_department_id,
                                               project.source_dimension_id))
            for r in rounds if results[r.id].took_part(project.source_department_id)]


def source_comparison(project: Project) -> Comparison | None:
    """The source dimension in the project's departments against the departments without a started
    project on it, between the last round published before the start and the latest opened after the
    expected lag (a difference in differences). Only departments whose figures the gate releases in both
    rounds count. None before the project starts."""
    if project.started_on is None:
        return None
    dimension_id = project.source_dimension_id
    if dimension_id is None:
        return Comparison("no_source")
    since = project.started_on + timedelta(days=project.expected_lag_days or 0)
    rounds = published_rounds()
    before = [r for r in rounds if r.closes_on < project.started_on]
    after = [r for r in rounds if r.opens_on >= since]
    if not before:
        return Comparison("no_round_before")
    if not after:
        return Comparison("no_round_after", before[-1])
    before, after = before[-1], after[-1]
    results = results_of([before, after])
    with_project = set(db.session.scalars(
        sa.select(project_departments.c.department_id).join(Project)
        .where(Project.source_dimension_id == dimension_id, Project.started_on.is_not(None))))
    ours = {d.id for d in project.departments}
    others = (results[before.id].taking_part & results[after.id].taking_part) - with_project - ours

    def pooled(department_ids: set[int]) -> tuple[Estimate, Estimate] | None:
        """The group's score in each round, over its departments released in both."""
        figures = {d: [results[r.id].total("service", d, dimension_id) for r in (before, after)]
                   for d in department_ids}
        shown = [pair for pair in figures.values() if None not in pair]
        if not shown:
            return None
        found = tuple(estimate({score: sum(pair[i].distribution[score - 1] for pair in shown)
                                for score in range(1, 6)}, r.noise_scale or 0.0)
                      for i, r in enumerate((before, after)))
        return None if None in found else found

    # Pooled once per process for these departments: a published round's sums never change.
    ours_scores, others_scores = kept(
        "compared_with_whom", (dimension_id, before.id, after.id, frozenset(ours), frozenset(others)),
        lambda: (pooled(ours), pooled(others)), size=256)
    if ours_scores is None:
        return Comparison("too_few_ours", before, after)
    if others_scores is None:
        return Comparison("too_few_others", before, after)
    return Comparison(None, before, after, ours_scores, others_scores)


# The portfolio -----------------------------------------------------------------------------------

@dataclass
class Filters:
    dimension_id: int | None = None
    metric_id: int | None = None
    department_id: int | None = None
    status: str | None = None


# What a list of projects shows of each, loaded for all of them at once.
LISTED = (joinedload(Project.owner_department), selectinload(Project.departments),
          joinedload(Project.source_dimension), joinedload(Project.metric), joinedload(Project.root_cause))


def _matching(filters: Filters) -> list:
    conditions = []
    if filters.dimension_id:
        conditions.append(Project.source_dimension_id == filters.dimension_id)
    if filters.metric_id:
        conditions.append(Project.metric_id == filters.metric_id)
    if filters.department_id:
        conditions.append(Project.id.in_(sa.select(project_departments.c.project_id).where(
            project_departments.c.department_id == filters.department_id)))
    if filters.status:
        conditions.append(Project.status == filters.status)
    return conditions


def portfolio(filters: Filters, offset: int = 0, limit: int | None = None) -> list[Project]:
    """The projects matching `filters`, newest first (`limit` of them from `offset` on)."""
    return list(db.session.scalars(
        sa.select(Project).options(*LISTED).where(*_matching(filters))
        .order_by(Project.created_at.desc(), Project.id.desc()).offset(offset).limit(limit)))


def root_cause_counts(filters: Filters) -> dict[int | None, int]:
    """How many projects matching `filters` have each root cause, by its id (None: without one)."""
    return dict(db.session.execute(sa.select(Project.root_cause_id, sa.func.count())
                                   .where(*_matching(filters)).group_by(Project.root_cause_id)).all())


def open_projects_of(departments: list[Department]) -> list[Project]:
    """The projects not finished yet (proposed or active) that any of `departments` owns or takes part in."""
    return list(db.session.scalars(
        sa.select(Project).options(*LISTED)
        .where(Project.status.in_(("proposed", "active")), Project.id.in_(
            sa.select(project_departments.c.project_id).where(
                project_departments.c.department_id.in_([d.id for d in departments]))))
        .order_by(Project.created_at.desc(), Project.id.desc())))


def projects_for_department(department: Department) -> list[Project]:
    """The projects a department owns or takes part in, for its head's home page."""
    return portfolio(Filters(department_id=department.id))


@dataclass(frozen=True)
class SplitRow:
    label: str
    count: int
    percent: int | None  # of the projects with a root cause
    typical: tuple[int, int] | None = None  # the source's typical range, for groups


def root_cause_split(counts: Mapping[int | None, int]) -> tuple[list[SplitRow], list[SplitRow]]:
    """Per category, and per group of categories beside the typical split from the source, of `counts`: how
    many projects (or cards) have each root cause, by its id (those without one are not counted)."""
    causes = root_causes(include_retired=True)
    whole = sum(counts.get(cause.id, 0) for cause in causes)
    by_category = [SplitRow(cause.name, n, percent(n, whole)) for cause in causes
                   if (n := counts.get(cause.id, 0)) or not cause.retired]
    names = {c.key: c.name for c in causes}
    groups = []
    for keys, low, high in TYPICAL_SPLIT:
        n = sum(counts.get(cause.id, 0) for cause in causes if cause.key in keys)
        label = ", ".join(names.get(k, k) for k in keys)
        groups.append(SplitRow(label, n, percent(n, whole), (low, high)))
    return by_category, groups
