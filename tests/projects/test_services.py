"""The rules of projects: cross-department, no start without metric/baseline/target, the baseline rule,
direction-aware progress, the lifecycle and who may move it, every move recorded."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.database import MadeAlready
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.projects import policies, services
from app.projects.models import Project, ProjectEvent, RootCause
from tests.factories import make_department, make_user

START = date(2026, 6, 1)


def make_metric(name="Net Promoter Score", direction="higher", values=(), start=START) -> Metric:
    """A metric with one reading a month before `start`, oldest first."""
    metric = Metric(name=name, direction=direction, unit="")
    db.session.add(metric)
    for i, value in enumerate(values):
        db.session.add(Reading(metric=metric, taken_on=start - timedelta(days=30 * (len(values) - i)),
                               value=value))
    db.session.flush()
    return metric


def propose(org, metric=None, target=None, target_date=date(2027, 1, 1), **extra) -> Project:
    data = services.ProjectData(title="Faster invoices", owner_department=org["finance"],
                                departments=[org["sales"]], metric=metric, target_value=target,
                                target_date=target_date, **extra)
    return services.save_project(org["head"], None, data)


def test_a_project_needs_another_department_besides_the_owner(org):
    data = services.ProjectData(title="Alone", owner_department=org["finance"], departments=[org["finance"]])
    with pytest.raises(services.ProjectError, match="cross-department"):
        services.save_project(org["head"], None, data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0
    project = propose(org)
    assert set(project.departments) == {org["finance"], org["sales"]}
    assert project.status == "proposed"
    assert [(e.from_status, e.to_status, e.actor) for e in project.events] == [
        (None, "proposed", org["head"])]


@pytest.mark.parametrize(("with_metric", "target", "target_date", "missing"), [
    (False, 50.0, date(2027, 1, 1), "a metric"),
    (True, None, date(2027, 1, 1), "a target value"),
    (True, 50.0, None, "a target date"),
])
def test_a_project_cannot_start_without_metric_target_and_target_date(org, with_metric, target, target_date,
                                                                      missing):
    metric = make_metric(values=[30, 32, 34])
    project = propose(org, metric if with_metric else None, target, target_date)
    with pytest.raises(services.ProjectError, match=missing):
        services.move(org["head"], project, "start", on=START)
    assert project.status == "proposed" and project.baseline is None


def test_a_project_cannot_start_without_readings_for_a_baseline(org):
    metric = make_metric(values=[])
    db.session.add(Reading(metric=metric, taken_on=START + timedelta(days=3), value=10))  # after: not used
    project = propose(org, metric, 50.0)
    with pytest.raises(services.ProjectError, match="no readings before"):
        services.move(org["head"], project, "start", on=START)
    assert project.status == "proposed"


def test_the_baseline_is_the_mean_of_the_last_three_readings_before_the_start(org):
    metric = make_metric(values=[10, 20, 30, 40, 60])
    db.session.add(Reading(metric=metric, taken_on=START, value=1000))  # the start day itself is not before
    project = propose(org, metric, 60.0)
    services.move(org["head"], project, "start", on=START)
    assert project.baseline == pytest.approx((30 + 40 + 60) / 3)
    assert project.baseline_window == 3  # the rule, not its wording: each reader reads it in their language
    assert [r.value for r in services.baseline_readings(metric, START)] == [30, 40, 60]
    assert (project.status, project.started_on) == ("active", START)


def test_fewer_than_three_readings_make_a_baseline_of_what_there_is(org):
    project = propose(org, make_metric(values=[7]), 9.0)
    services.move(org["head"], project, "start", on=START)
    assert project.baseline == 7


@pytest.mark.parametrize(("direction", "target"), [("higher", 20.0), ("higher", 30.0), ("lower", 40.0)])
def test_the_target_must_lie_in_the_better_direction(org, direction, target):
    project = propose(org, make_metric(direction=direction, values=[30, 30, 30]), target)
    with pytest.raises(services.ProjectError, match="target must be"):
        services.move(org["head"], project, "start", on=START)
    assert project.status == "proposed"


def after_start(project, *values):
    for i, value in enumerate(values):
        db.session.add(Reading(metric=project.metric, taken_on=START + timedelta(days=10 * (i + 1)),
                               value=value))
    db.session.flush()
    return services.progress(project)


@pytest.mark.parametrize(("direction", "before", "target", "after", "share", "state"), [
    ("higher", [40, 40, 40], 50.0, [44, 46, 45], 0.5, "towards_target"),   # NPS 40 → 45 of 50
    ("lower", [10, 10, 10], 6.0, [9, 8, 7], 0.5, "towards_target"),        # complaints 10 → 8 of 6
    ("higher", [40, 40, 40], 50.0, [60, 60, 60], 2.0, "beyond_target"),
    ("lower", [10, 10, 10], 6.0, [2, 2, 2], 2.0, "beyond_target"),
    ("higher", [40, 40, 40], 50.0, [35, 35, 35], -0.5, "wrong_way"),
    ("lower", [10, 10, 10], 6.0, [12, 12, 12], -0.5, "wrong_way"),
])
def test_progress_is_direction_aware(org, direction, before, target, after, share, state):
    project = propose(org, make_metric(direction=direction, values=before), target)
    services.move(org["head"], project, "start", on=START)
    progress = after_start(project, *after)
    assert progress.share == pytest.approx(share)
    assert progress.state == state
    assert progress.percent == max(0, min(100, round(share * 100)))


def test_progress_uses_the_last_three_readings_after_start_plus_lag(org):
    project = propose(org, make_metric(values=[40, 40, 40]), 50.0, expected_lag_days=25)
    services.move(org["head"], project, "start", on=START)
    progress = after_start(project, 0, 0, 45, 45, 45, 50)  # days 10, 20 fall inside the lag
    assert progress.since == START + timedelta(days=25)
    assert [r.value for r in progress.readings] == [45, 45, 50]
    assert progress.current == pytest.approx(140 / 3)


def test_progress_before_any_reading_after_the_start(org):
    project = propose(org, make_metric(values=[40]), 50.0)
    services.move(org["head"], project, "start", on=START)
    progress = services.progress(project)
    assert (progress.current, progress.share, progress.state) == (None, None, "no_readings")


def test_lifecycle_moves_and_refusals_are_recorded(org):
    project = propose(org, make_metric(values=[40]), 50.0)
    with pytest.raises(services.ProjectError):
        services.move(org["head"], project, "complete")
    services.move(org["head"], project, "start", on=START)
    with pytest.raises(services.ProjectError):
        services.move(org["head"], project, "start")
    services.move(org["facilitator"], project, "complete", note="done")
    for action in ("start", "complete", "cancel"):
        with pytest.raises(services.ProjectError):
            services.move(org["head"], project, action)
    events = db.session.scalars(sa.select(ProjectEvent).where(ProjectEvent.project_id == project.id)
                                .order_by(ProjectEvent.id)).all()
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, "proposed", org["head"]), ("proposed", "active", org["head"]),
        ("active", "completed", org["facilitator"])]
    assert events[-1].note == "done"


def test_a_proposed_project_can_be_cancelled(org):
    project = propose(org)
    services.move(org["head"], project, "cancel")
    assert project.status == "cancelled"


def test_who_may_move_edit_and_check_in(org):
    lead = make_user(department=org["sales"])
    member = make_user(department=org["sales"])
    project = propose(org, lead=lead, members=[member])
    assert policies.can_manage_project(org["head"], project)  # head of the owner department
    assert policies.can_manage_project(org["facilitator"], project)
    assert policies.can_manage_project(lead, project)
    for outsider in (org["sales_head"], org["employee"], org["admin"], member):
        assert not policies.can_manage_project(outsider, project)
    assert policies.can_check_in(member, project)
    assert not policies.can_check_in(org["employee"], project)


def test_check_ins(org):
    project = propose(org)
    check_in = services.add_check_in(org["head"], project, START, "Met Sales", "at_risk")
    assert (check_in.status, check_in.author) == ("at_risk", org["head"])
    with pytest.raises(services.ProjectError):
        services.add_check_in(org["head"], project, date.today() + timedelta(days=2), "Later", "on_track")
    with pytest.raises(services.ProjectError):
        services.add_check_in(org["head"], project, START, "  ", "on_track")


def test_the_root_cause_split_beside_the_typical_split(org):
    causes = {c.key: c for c in db.session.scalars(sa.select(RootCause))}
    assert set(causes) == {"people", "systems", "processes", "products", "clients"}
    for key in ("processes", "systems", "clients", "people"):
        propose(org, root_cause=causes[key])
    propose(org)  # not classified: not counted
    by_category, groups = services.root_cause_split(services.root_cause_counts(services.Filters()))
    assert [(g.count, g.percent, g.typical) for g in groups] == [(2, 50, (50, 60)), (1, 25, (20, 30)),
                                                                 (1, 25, (20, 30))]
    assert {row.label: row.count for row in by_category}["Systems"] == 1


def test_portfolio_filters_and_a_departments_projects(org):
    other = make_department("Legal", "LEG")
    mine = propose(org, metric=make_metric(values=[1]))
    theirs = services.save_project(org["facilitator"], None, services.ProjectData(
        title="Contracts", owner_department=other, departments=[org["sales"]]))
    assert services.projects_for_department(org["finance"]) == [mine]
    assert set(services.projects_for_department(org["sales"])) == {mine, theirs}
    assert services.portfolio(services.Filters(metric_id=mine.metric_id)) == [mine]
    assert services.portfolio(services.Filters(status="active")) == []


def test_a_project_form_sent_again_finds_the_project_it_made(org):
    """The same form token twice makes one project: the second copy is told which; another token makes
    another, and so do projects made without one (from a workshop card, by the demo)."""
    first = propose(org, form_token="tok-1")
    db.session.commit()
    with pytest.raises(MadeAlready) as made:
        propose(org, form_token="tok-1")
    db.session.rollback()
    assert made.value.made_id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 1
    second, *untokened = (propose(org, form_token="tok-2"), propose(org), propose(org))
    db.session.commit()
    assert second.id != first.id and [p.form_token for p in untokened] == [None, None]
