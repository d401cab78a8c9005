"""One project move sent twice at once (a double-click, two tabs), on whichever database the suite runs on:
it happens once, with one event and one audit entry, and the other copy is told so on the project's page."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.projects import services
from app.projects.models import CheckIn, Project, ProjectEvent, RootCause
from tests.factories import count, page_text, posted_at_once
from tests.projects.test_pages import a_project, form_data
from tests.projects.test_services import make_metric


@pytest.mark.parametrize(("action", "status"), [("start", "active"), ("complete", "completed")])
def test_a_double_clicked_move_moves_once_and_the_other_click_is_told(app, org, action, status):
    today = date.today()
    project = a_project(org, metric=make_metric(values=[30, 32, 34], start=today), target_value=42.0,
                        target_date=today + timedelta(days=200))
    if action == "complete":
        services.move(org["head"], project, "start")
    project_id = project.id
    browsers, responses = posted_at_once(app, org["head"], f"/projects/{project_id}/{action}")
    assert [r.status_code for r in responses] == [303] * len(browsers)
    db.session.expire_all()
    assert project.status == status
    events = db.session.scalar(sa.select(sa.func.count()).select_from(ProjectEvent).where(
        ProjectEvent.project_id == project_id, ProjectEvent.to_status == status))
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == f"project.{action}"))
    assert (events, audit) == (1, 1)
    pages = [page_text(b.get(f"/projects/{project_id}")) for b in browsers]
    assert sum(f"The project is now {status}." in page for page in pages) == 1
    assert sum(f"The project is already {status}." in page for page in pages) == len(browsers) - 1


def test_a_root_cause_added_twice_at_once_is_added_once(app, org):
    browsers, responses = posted_at_once(app, org["admin"], "/projects/root-causes", {
        "key": "suppliers", "name_en": "Suppliers", "name_ru": "Поставщики", "position": 9})
    assert sorted(r.status_code for r in responses) == [303] + [422] * (len(browsers) - 1)
    assert all("A root cause with the key suppliers already exists." in page_text(r)
               for r in responses if r.status_code == 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RootCause)
                             .where(RootCause.key == "suppliers")) == 1


def test_a_double_submitted_check_in_is_recorded_once(app, org):
    project = a_project(org)
    browsers, responses = posted_at_once(app, org["head"], f"/projects/{project.id}/check-ins", {
        "on": "2026-06-01", "status": "at_risk", "done": "Met Sales twice"})
    assert sorted(r.status_code for r in responses) == [303] + [422] * (len(browsers) - 1)
    assert all("This check-in is already recorded." in page_text(r)
               for r in responses if r.status_code == 422)
    assert count(CheckIn) == 1


def test_a_double_clicked_new_project_form_makes_one_project(app, org):
    """Every copy of the form (one one-time value) goes to the one project; one is told it is proposed, the
    others that it was already created."""
    browsers, responses = posted_at_once(app, org["head"], "/projects/new",
                                         form_data(org, form_token="double-clicked-project"))
    project = db.session.scalar(sa.select(Project))
    assert count(Project) == 1 and count(ProjectEvent) == 1
    assert [(r.status_code, r.headers["Location"]) for r in responses] == [
        (303, f"/projects/{project.id}")] * len(browsers)
    pages = [page_text(b.get(f"/projects/{project.id}")) for b in browsers]
    assert sum("Project Answer Sales within a day proposed." in page for page in pages) == 1
    assert sum("This project was already created: here it is." in page for page in pages) == len(browsers) - 1
