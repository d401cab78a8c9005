"""Tasks inside a project: who adds and ticks them, what is overdue, and the pages that show them."""
import re
from datetime import date, timedelta

import pytest

from app.audit.models import AuditEntry
from app.extensions import db
from app.projects import policies, services
from app.projects.models import Task
from tests.factories import count, form_token_of, page_text
from tests.projects.test_pages import a_project
from tests.reports.test_results import sign_in_as

TODAY = date.today()
YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)


def a_task(org, project, title="Send the invoices", owner="employee", due_on=None) -> Task:
    task = services.add_task(org["head"], project, title, org[owner], due_on)
    db.session.commit()
    return task


# The rules ---------------------------------------------------------------------------------------

def test_a_task_is_overdue_once_its_day_has_passed_and_until_it_is_done(org):
    project = a_project(org)
    late, due_today, undated = (a_task(org, project, title, due_on=due) for title, due in
                                (("Late", YESTERDAY), ("Today", TODAY), ("Undated", None)))
    assert [late.overdue(TODAY), due_today.overdue(TODAY), undated.overdue(TODAY)] == [True, False, False]
    assert services.overdue_tasks([project.id], TODAY) == {project.id: 1}
    services.set_task_done(org["employee"], late, True)
    assert not late.overdue(TODAY) and late.done_at is not None
    assert services.overdue_tasks([project.id], TODAY) == {}


def test_ticking_twice_changes_nothing_more_and_undo_clears_the_time(org):
    task = a_task(org, a_project(org))
    services.set_task_done(org["employee"], task, True)
    first = task.done_at
    services.set_task_done(org["employee"], task, True)
    assert task.done_at == first
    assert count(AuditEntry, AuditEntry.action == "task.done") == 1
    services.set_task_done(org["head"], task, False)
    assert not task.done and task.done_at is None
    assert count(AuditEntry, AuditEntry.action.in_(["task.add", "task.undone"])) == 2


@pytest.mark.parametrize(("who", "may"), [("head", True), ("facilitator", True), ("employee", True),
                                          ("sales_head", False), ("admin", False)])
def test_the_owner_and_the_project_managers_may_tick(org, who, may):
    task = a_task(org, a_project(org), owner="employee")
    assert policies.can_tick_task(org[who], task) is may


def test_a_task_needs_a_title_and_an_active_owner_on_a_project_under_way(org):
    project = a_project(org)
    with pytest.raises(services.ProjectError):
        services.add_task(org["head"], project, "  ", org["employee"], None)
    with pytest.raises(services.ProjectError):
        services.add_task(org["head"], project, "Call", None, None)
    org["employee"].active = False
    with pytest.raises(services.ProjectError):
        services.add_task(org["head"], project, "Call", org["employee"], None)
    db.session.rollback()
    services.move(org["head"], project, "cancel")
    with pytest.raises(services.ProjectError):
        services.add_task(org["head"], project, "Call", org["head"], None)


def test_tasks_go_with_their_project(org):
    project = a_project(org)
    a_task(org, project)
    db.session.delete(project)
    db.session.commit()
    assert count(Task) == 0


# The pages ---------------------------------------------------------------------------------------

def test_the_project_page_lists_tasks_and_says_how_many_are_overdue(client, org):
    project = a_project(org)
    a_task(org, project, "Chase the late invoices", due_on=YESTERDAY)
    a_task(org, project, "Write the guide", due_on=TOMORROW)
    sign_in_as(client, org["employee"])
    text = page_text(client.get(f"/projects/{project.id}"))
    assert "Tasks" in text and "1 task overdue" in text
    late = re.search(r'<li id="task-\d+" class="task overdue">(.*?)</li>', text, re.S).group(1)
    assert "Chase the late invoices" in late and '<span class="badge badge-warn">overdue</span>' in late
    assert "Add the task" not in text  # the employee does not manage the project


def test_a_manager_adds_a_task_once_however_often_the_form_is_sent(client, org):
    project = a_project(org, members=[org["employee"]])
    sign_in_as(client, org["head"])
    page = client.get(f"/projects/{project.id}")
    data = {"title": "Agree the cut-off", "owner_id": org["employee"].id, "due_on": TOMORROW.isoformat(),
            "form_token": form_token_of(page)}
    first = client.post(f"/projects/{project.id}/tasks", data=data)
    assert first.status_code == 303 and first.headers["Location"].endswith("#tasks")
    again = client.post(f"/projects/{project.id}/tasks", data=data, headers={"HX-Request": "true"})
    assert again.status_code == 200 and 'id="tasks"' in page_text(again)
    assert count(Task) == 1
    refused = client.post(f"/projects/{project.id}/tasks", data={**data, "title": "", "form_token": ""},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)


def test_the_owner_ticks_in_place_and_others_are_refused(client, org):
    project = a_project(org)
    task = a_task(org, project, due_on=YESTERDAY)
    sign_in_as(client, org["sales_head"])
    assert client.post(f"/projects/{project.id}/tasks/{task.id}/done").status_code == 403
    assert client.post(f"/projects/{project.id}/tasks", data={"title": "x"}).status_code == 403
    sign_in_as(client, org["employee"])
    fragment = client.post(f"/projects/{project.id}/tasks/{task.id}/done", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert f'id="task-{task.id}-tick"' in html and "Undo" in html and "overdue" not in html
    assert db.session.get(Task, task.id).done
    plain = client.post(f"/projects/{project.id}/tasks/{task.id}/undo")
    assert plain.status_code == 303 and not db.session.get(Task, task.id).done
    other = a_project(org)
    assert client.post(f"/projects/{other.id}/tasks/{task.id}/done").status_code == 404


def test_the_portfolio_counts_each_projects_overdue_tasks(client, org):
    late, fine = a_project(org), a_project(org)
    for title in ("One", "Two"):
        a_task(org, late, title, due_on=YESTERDAY)
    a_task(org, fine, "Three", due_on=TOMORROW)
    sign_in_as(client, org["employee"])
    text = page_text(client.get("/projects"))
    assert "Overdue tasks" in text and "2 tasks overdue" in text and "1 task overdue" not in text


def test_a_manager_edits_a_task_and_its_owner_may_not(client, org):
    project = a_project(org)
    task = a_task(org, project)
    edit = f"/projects/{project.id}/tasks/{task.id}/edit"
    sign_in_as(client, org["employee"])
    assert client.get(edit).status_code == 403
    assert edit not in page_text(client.get(f"/projects/{project.id}"))
    sign_in_as(client, org["head"])
    assert edit in page_text(client.get(f"/projects/{project.id}"))
    assert "Send the invoices" in page_text(client.get(edit))
    refused = client.post(edit, data={"title": "x" * 201, "owner_id": org["head"].id})
    assert refused.status_code == 422 and db.session.get(Task, task.id).title == "Send the invoices"
    saved = client.post(edit, data={"title": "Send them all", "owner_id": org["head"].id,
                                     "due_on": TOMORROW.isoformat()})
    assert saved.status_code == 303
    task = db.session.get(Task, task.id)
    assert (task.title, task.owner_id, task.due_on) == ("Send them all", org["head"].id, TOMORROW)
    assert count(AuditEntry, AuditEntry.action == "task.edit") == 1


def test_a_task_is_given_only_to_the_projects_people(client, org):
    """The lead, members and heads of its departments are offered; anyone else is refused, not stored."""
    project = a_project(org)
    sign_in_as(client, org["head"])
    page = page_text(client.get(f"/projects/{project.id}"))
    assert org["sales_head"].name in page and org["employee"].name not in page
    data = {"title": "Agree the cut-off", "owner_id": org["employee"].id, "form_token": form_token_of(
        client.get(f"/projects/{project.id}"))}
    refused = client.post(f"/projects/{project.id}/tasks", data=data, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and count(Task) == 0
