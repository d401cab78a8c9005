"""Pages of improvement projects: start, run, check in, "did it move?", the portfolio."""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, get_template_attribute, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from app.auth.models import User
from app.database import MadeAlready
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.metrics.services import metrics
from app.org.models import Department
from app.org.policies import can_act_for
from app.org.services import department_names, departments, people_by_department
from app.projects import charts, policies, services
from app.projects.forms import CheckInForm, MoveForm, ProjectForm, RootCauseForm, TaskDoneForm, TaskForm
from app.projects.models import STATUSES, BaselineReading, CheckIn, Project, ProjectEvent, RootCause, Task
from app.ratings.models import Round
from app.reports.charts import for_phones
from app.reports.policies import can_view_scorecard
from app.reports.results import format_mean, noise_effect
from app.web.authz import requires
from app.web.confirm import confirmation, confirmed
from app.web.htmx import redirect_to, render, wants_fragment
from app.web.ids import id_arg, page_arg
from app.web.memo import kept
from app.workshops.models import Card, Workshop

bp = Blueprint("projects", __name__, url_prefix="/projects")
YEAR, BEFORE_START = 365, 182


# The portfolio -----------------------------------------------------------------------------------

PAGE_SIZE = 25  # as the service map and the service matrix


@bp.get("")
@requires(policies.can_view_projects)
def index():
    status = request.args.get("status")
    filters = services.Filters(id_arg("dimension"), id_arg("metric"), id_arg("department"),
                               status if status in STATUSES else None)
    causes = services.root_cause_counts(filters)
    total = sum(causes.values())
    # In pages: each listed project's "did it move?" is a model fitted on its metric's history.
    page, pages = page_arg(total, PAGE_SIZE)
    projects = services.portfolio(filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    overdue = services.overdue_tasks((p.id for p in projects), date.today())
    moved = services.progress_of(projects)
    by_category, groups = services.root_cause_split(causes)
    dimensions = list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position, Dimension.id)))
    return render("projects/index.html", "projects/_portfolio.html", projects=projects, total=total,
                  page=page, pages=pages, filters=filters, overdue=overdue, moved=moved,
                  by_category=by_category, groups=groups, departments=department_names(), metrics=metrics(),
                  dimensions=dimensions, statuses=STATUSES, status_label=services.status_label,
                  split_chart=for_phones(charts.split_chart, "root-cause-split",
                                         _("Root causes beside the typical split"), groups))


# Creating and editing ----------------------------------------------------------------------------

def _project_form(project: Project | None) -> ProjectForm:
    form = ProjectForm(obj=project)
    all_departments = departments()
    if project is not None and not form.is_submitted():
        form.department_ids.data = [d.id for d in project.departments if d.id != project.owner_department_id]
        form.lead_id.data = project.lead_id or 0
        form.member_ids.data = [m.id for m in project.members]
        form.root_cause_id.data = project.root_cause_id or 0
        form.metric_id.data = project.metric_id or 0
    owners = [d for d in all_departments if can_act_for(current_user, d)]
    if project is not None and project.owner_department not in owners:
        owners.append(project.owner_department)
    form.owner_department_id.choices = [SelectChoice(d.id, d.name) for d in owners]
    form.department_ids.choices = [SelectChoice(d.id, d.name) for d in all_departments]
    people = list(db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name)))
    form.lead_id.choices = [SelectChoice(0, _("— none yet —"))] + [SelectChoice(p.id, p.name) for p in people]
    form.member_ids.choices = [SelectChoice(p.id, p.name) for p in people]
    form.people_groups = people_by_department()
    causes = services.root_causes()
    if project is not None and project.root_cause is not None and project.root_cause not in causes:
        causes.append(project.root_cause)
    form.root_cause_id.choices = [SelectChoice(0, _("— not classified yet —"))] + [
        SelectChoice(c.id, c.name) for c in causes]
    form.metric_id.choices = [SelectChoice(0, _("— none yet —"))] + [
        SelectChoice(m.id, _("%(metric)s (higher is better)", metric=m.name) if m.direction == "higher"
                     else _("%(metric)s (lower is better)", metric=m.name)) for m in metrics()]
    return form


def _project(project_id: int, check) -> Project:
    project = db.get_or_404(Project, project_id)
    if not check(current_user, project):
        abort(403)
    return project


def _get(model, id_):
    """The row a select's choice names; None for its "none" choice (0), without asking the database."""
    return db.session.get(model, id_) if id_ else None


def _weak_spot(round_id, department_id, dimension_id) -> services.WeakSpot | None:
    """The weak spot a project starts from, if the address names one the user may read."""
    if not (round_id and department_id and dimension_id):
        return None
    round_ = db.get_or_404(Round, round_id)
    department = db.get_or_404(Department, department_id)
    dimension = db.get_or_404(Dimension, dimension_id)
    if not can_view_scorecard(current_user, department):
        abort(403)
    try:
        return services.weak_spot(round_, department, dimension)
    except services.ProjectError:
        abort(404)


def _data(form: ProjectForm, source: services.WeakSpot | None) -> services.ProjectData:
    return services.ProjectData(
        title=form.title.data or "", problem=form.problem.data or "", evidence=form.evidence.data or "",
        owner_department=_get(Department, form.owner_department_id.data),
        departments=[d for i in form.department_ids.data if (d := _get(Department, i))],
        lead=_get(User, form.lead_id.data), members=[u for i in form.member_ids.data if (u := _get(User, i))],
        root_cause=_get(RootCause, form.root_cause_id.data), metric=_get(Metric, form.metric_id.data),
        target_value=form.target_value.data, target_date=form.target_date.data,
        expected_lag_days=form.expected_lag_days.data, source=source, form_token=form.form_token.data)


def _target_facts(form: ProjectForm, project: Project | None) -> services.TargetFacts | None:
    """The baseline and the latest reading of the metric chosen (once chosen: without JavaScript, after a
    save), beside the target field."""
    metric = _get(Metric, form.metric_id.data)
    return services.target_facts(metric, project) if metric else None


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.can_start_project)
def new():
    form = _project_form(None)
    args, prefix = (request.form, "source_") if form.is_submitted() else (request.args, "")
    source = _weak_spot(*(id_arg(prefix + name, args) for name in ("round", "department", "dimension")))
    if not form.is_submitted():  # from a service chain: its metric, the departments on the way to the client
        form.metric_id.data = id_arg("metric") or 0
        form.department_ids.data = request.args.getlist("joining", type=int)
    if source is not None and not form.is_submitted():
        form.title.data = source.title
        form.source_round.data, form.source_department.data = source.round.id, source.department.id
        form.source_dimension.data = source.dimension.id
        if can_act_for(current_user, source.department):
            form.owner_department_id.data = source.department.id
    return _save(form, None, source)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@requires(policies.can_view_projects)
def edit(project_id: int):
    project = _project(project_id, policies.can_manage_project)
    return _save(_project_form(project), project)


def _save(form: ProjectForm, project: Project | None, source: services.WeakSpot | None = None):
    if form.validate_on_submit():
        try:
            saved = services.save_project(current_user, project, _data(form, source))
        except services.ProjectError as error:
            db.session.rollback()
            form[error.field or "title"].errors.append(str(error))
        except MadeAlready as made:
            db.session.rollback()
            flash(_("This project was already created: here it is."), "info")
            return redirect_to(url_for("projects.detail", project_id=made.made_id))
        else:
            db.session.commit()
            flash(_("Project %(title)s proposed.", title=saved.title) if project is None
                  else _("Project saved."), "success")
            return redirect_to(url_for("projects.detail", project_id=saved.id))
    return render("projects/form.html", form=form, project=project, source=source,
                  facts=_target_facts(form, project), http_status=422 if form.errors else 200)


# "Did it move?" ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DidItMove:
    """What the page's "Did it move?" part shows of the metric's readings."""
    progress: services.Progress | None
    baseline_used: list  # the readings (date, value) the baseline was taken from
    chart: Markup | None


def _did_it_move(project: Project) -> DidItMove:
    """Worked out once per process for the metric's readings as they are now (its readings version)
    and everything of the project it depends on; a reading written anywhere shows at once."""
    metric = project.metric
    if metric is None:
        return DidItMove(services.progress(project), [], None)
    # The readings since half a year before the start (the last year for a project not started):
    # enough to see the trend it started from, and the page does not grow with the metric's history.
    since = (project.started_on - timedelta(days=BEFORE_START) if project.started_on
             else date.today() - timedelta(days=YEAR))

    def work_out() -> DidItMove:
        progress = services.progress(project)
        readings = db.session.execute(  # rows, not objects: the chart reads only the date and the value
            sa.select(Reading.taken_on, Reading.value).order_by(Reading.taken_on)
            .where(Reading.metric_id == metric.id, Reading.taken_on >= since)).all()
        chart = get_template_attribute("_macros/charts.html", "svg")(for_phones(
            charts.readings_chart, "project-metric",
            _("%(metric)s: readings, baseline and target", metric=metric.name),
            readings, project.baseline, project.target_value, project.started_on,
            progress.since if progress else None, progress.movement.band if progress else ()))
        used = db.session.execute(  # as they were at the start, not as the metric's readings are now
            sa.select(BaselineReading.taken_on, BaselineReading.value)
            .where(BaselineReading.project_id == project.id).order_by(BaselineReading.taken_on)).all()
        return DidItMove(progress, used, chart)

    key = (project.id, metric.id, metric.created_at, metric.readings_version, metric.name, since,
           project.baseline, project.target_value, project.started_on, project.expected_lag_days,
           metric.direction, str(get_locale()), date.today())  # "too early" turns with the day
    return kept("did_it_move", key, work_out, size=256)


# What the page shows of the project, loaded in a fixed number of statements however long its lists.
SHOWN = (joinedload(Project.owner_department), joinedload(Project.lead), joinedload(Project.root_cause),
         joinedload(Project.metric), joinedload(Project.source_round), joinedload(Project.source_department),
         joinedload(Project.source_dimension), selectinload(Project.departments),
         selectinload(Project.members), selectinload(Project.check_ins).joinedload(CheckIn.author),
         selectinload(Project.tasks).joinedload(Task.owner),
         selectinload(Project.events).joinedload(ProjectEvent.actor))


def _origin(project: Project) -> Workshop | None:
    """The workshop whose card became the project: its page links back to the minutes."""
    return db.session.scalar(sa.select(Workshop).join(Card, Card.workshop_id == Workshop.id)
                             .where(Card.project_id == project.id).order_by(Card.id).limit(1))


def _task_form(project: Project, formdata=None, task: Task | None = None) -> TaskForm:
    """The "add a task" form, read from the request when `formdata` is given; the adder owns by default."""
    form = TaskForm() if formdata is not None else TaskForm(formdata=None, owner_id=current_user.id)
    people = services.task_owners(project, current_user, task.owner if task else None)
    form.owner_id.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(p.id, p.name) for p in people]
    return form


def _tasks(project: Project, task_form: TaskForm | None = None) -> dict:
    """What the Tasks section shows, on the page and as the fragment htmx swaps."""
    today = date.today()
    can_manage = policies.can_manage_project(current_user, project)
    return {"project": project, "today": today, "task_done_form": TaskDoneForm(), "can_manage": can_manage,
            "task_form": task_form or (_task_form(project) if can_manage else None),
            "tasks_overdue": sum(task.overdue(today) for task in project.tasks)}


def _detail(project: Project, check_in_form: CheckInForm | None = None, http_status: int = 200,
            task_form: TaskForm | None = None):
    """The project's page, rendered afresh on every view (docs/BENCHMARKS.md, "Removed, and why")."""
    show_figures = policies.can_see_source_figures(current_user, project)
    moved = _did_it_move(project)
    show_comparison = policies.can_see_comparison(current_user)
    return render(
        "projects/detail.html", origin=_origin(project), progress=moved.progress,
        comparison=services.source_comparison(project) if show_comparison else None,
        chart=moved.chart, baseline_used=moved.baseline_used,
        source_figures=services.source_figures(project) if show_figures else None,
        source_scores=services.source_scores(project) if show_figures else None,
        check_in_form=check_in_form or CheckInForm(formdata=None, on=date.today()), move_form=MoveForm(),
        status_label=services.status_label, show_figures=show_figures, **_tasks(project, task_form),
        can_check_in=policies.can_check_in(current_user, project), current_rule=services.current_rule(),
        fmt=format_mean, noise_effect=noise_effect, http_status=http_status)


@bp.get("/<int:project_id>")
@requires(policies.can_view_projects)
def detail(project_id: int):
    return _detail(db.get_or_404(Project, project_id, options=SHOWN))


@bp.post("/<int:project_id>/<any(start,complete,cancel):action>")
@requires(policies.can_view_projects)
def move(project_id: int, action: str):
    project = _project(project_id, policies.can_manage_project)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if action == "cancel" and not confirmed():
        return confirmation(_("Cancel %(project)s?", project=project.title),
                            _("A cancelled project is finished: it can no longer be edited, started or "
                              "checked in on. Its history stays."),
                            _("Cancel the project"), back=url_for("projects.detail", project_id=project.id))
    try:
        services.move(current_user, project, action, note=form.note.data or "")
    except services.ProjectError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The project is now %(status)s.", status=services.status_label(project.status)), "success")
    return redirect_to(url_for("projects.detail", project_id=project.id))


@bp.post("/<int:project_id>/check-ins")
@requires(policies.can_view_projects)
def check_in(project_id: int):
    project = _project(project_id, policies.can_check_in)
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            services.add_check_in(current_user, project, form.on.data, form.done.data, form.status.data)
        except services.ProjectError as error:
            db.session.rollback()
            form.done.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Check-in added."), "success")
            return redirect_to(url_for("projects.detail", project_id=project.id, _anchor="check-ins"))
    return _detail(project, form, http_status=422)


def _tasks_answer(project: Project, task_form: TaskForm | None = None, http_status: int = 200):
    """The Tasks section for htmx; the page otherwise: after a change, post/redirect/get to the section."""
    if wants_fragment():
        return render("projects/_tasks.html", **_tasks(project, task_form), http_status=http_status)
    if http_status == 200:
        return redirect_to(url_for("projects.detail", project_id=project.id, _anchor="tasks"))
    return _detail(project, task_form=task_form, http_status=http_status)


@bp.post("/<int:project_id>/tasks")
@requires(policies.can_view_projects)
def add_task(project_id: int):
    project = _project(project_id, policies.can_manage_project)
    form = _task_form(project, request.form)
    if form.validate_on_submit():
        try:
            services.add_task(current_user, project, form.title.data, _get(User, form.owner_id.data),
                              form.due_on.data, form.form_token.data)
        except services.ProjectError as error:
            db.session.rollback()
            form[error.field or "title"].errors.append(str(error))
        except MadeAlready:  # a second copy of the same form: the first added it
            db.session.rollback()
            return _tasks_answer(project)
        else:
            db.session.commit()
            flash(_("Task added."), "success")
            return _tasks_answer(project)
    return _tasks_answer(project, form, http_status=422)


def _task_of(project_id: int, task_id: int) -> Task:
    task = db.get_or_404(Task, task_id)
    if task.project_id != project_id:
        abort(404)
    return task


@bp.route("/<int:project_id>/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@requires(policies.can_view_projects)
def edit_task(project_id: int, task_id: int):
    task = _task_of(project_id, task_id)
    if not policies.can_manage_project(current_user, task.project):
        abort(403)
    form = _task_form(task.project, request.form, task)
    if not form.is_submitted():
        form.title.data, form.owner_id.data, form.due_on.data = task.title, task.owner_id or 0, task.due_on
    elif form.validate():
        try:
            services.edit_task(current_user, task, form.title.data, _get(User, form.owner_id.data),
                               form.due_on.data)
        except services.ProjectError as error:
            db.session.rollback()
            form[error.field or "title"].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Task saved."), "success")
            return redirect_to(url_for("projects.detail", project_id=project_id, _anchor="tasks"))
    return render("projects/task_form.html", form=form, task=task, http_status=422 if form.errors else 200)


@bp.post("/<int:project_id>/tasks/<int:task_id>/<any(done,undo):action>")
@requires(policies.can_view_projects)
def tick_task(project_id: int, task_id: int, action: str):
    task = _task_of(project_id, task_id)
    if not policies.can_tick_task(current_user, task):
        abort(403)
    if not TaskDoneForm().validate_on_submit():
        abort(400)
    services.set_task_done(current_user, task, action == "done")
    db.session.commit()
    return _tasks_answer(task.project)


# Root causes (admin) -----------------------------------------------------------------------------

@bp.route("/root-causes", methods=["GET", "POST"])
@requires(policies.can_edit_root_causes)
def root_causes():
    cause = db.get_or_404(RootCause, id_arg("id", request.values) or 0) if request.values.get("id") else None
    form = RootCauseForm(obj=cause)
    if form.validate_on_submit():
        try:
            services.save_root_cause(current_user, cause, form.key.data, form.name_en.data, form.name_ru.data,
                                     form.position.data or 0, form.retired.data)
        except services.ProjectError as error:
            db.session.rollback()
            form.key.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Root cause saved."), "success")
            return redirect_to(url_for("projects.root_causes"))
    return render("projects/root_causes.html", form=form, cause=cause,
                  causes=services.root_causes(include_retired=True), http_status=422 if form.errors else 200)
