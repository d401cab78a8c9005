"""Each page-level policy is asked in one place by the view and the template: for every role, the link or
button is on the page exactly when its address answers, and its address answers 403 exactly when it is not."""
from datetime import date

import pytest
import sqlalchemy as sa
from flask import url_for

from app.api import policies as api
from app.audit import policies as audit
from app.audit.services import SCHEDULE
from app.chain import policies as chain
from app.dimensions import policies as dimensions
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.loop import policies as loop
from app.metrics import policies as metrics
from app.org import policies as org_policies
from app.projects import policies as projects
from app.projects import services as project_services
from app.ratings import policies as ratings
from app.ratings import services as ratings_services
from app.ratings.models import Comment
from app.replies import policies as replies
from app.reports import policies as reports
from app.workshops import policies as workshops
from tests.factories import PASSWORD
from tests.reports.test_pages_scorecard import spring_and_autumn

# (the predicate, the page that offers the way in, the address it leads to)
WAYS_IN = [
    (ratings.can_run_rounds, "home.home", "ratings.index"),
    (ratings.can_run_rounds, "home.home", "ratings.new"),
    (reports.can_view_company, "home.home", "reports.index"),
    (metrics.can_view_metrics, "home.home", "metrics.index"),
    (chain.can_view_chain, "home.home", "chain.index"),
    (org_policies.can_view_organisation, "home.home", "org.service_map"),
    (org_policies.can_view_organisation, "home.home", "org.departments"),
    (org_policies.can_manage_organisation, "home.home", "org.people"),
    (org_policies.can_manage_organisation, "org.departments", "org.department_new"),
    (dimensions.can_edit_dimensions, "home.home", "dimensions.index"),
    (audit.can_read_audit_log, "home.home", "audit.index"),
    (projects.can_edit_root_causes, "projects.index", "projects.root_causes"),
    (projects.can_start_project, "projects.index", "projects.new"),
    (workshops.can_create_workshop, "workshops.index", "workshops.new"),
    (api.may_hold_tokens, "auth.account", "tokens.index"),
]


@pytest.mark.parametrize("predicate,page,address", WAYS_IN,
                         ids=[f"{p.__name__}:{address}" for p, _page, address in WAYS_IN])
@pytest.mark.parametrize("role", ["employee", "head", "facilitator", "admin"])
def test_the_way_in_is_shown_exactly_to_whom_it_answers(app, client, org, predicate, page, address, role):
    seed_default_dimensions()
    db.session.commit()
    person = org[role]
    assert client.sign_in(person.email, PASSWORD).status_code == 303
    with app.test_request_context():
        page_url, target = url_for(page), url_for(address)
    allowed = predicate(person)

    answer = client.get(target)
    assert (answer.status_code == 403) is not allowed, f"{role} at {target}: {answer.status_code}"
    assert answer.status_code in (200, 403)
    shown = client.get(page_url)
    if shown.status_code == 403:  # the page offering the way in is closed too: nothing to show
        assert not allowed
        return
    assert (f'href="{target}"' in shown.get_data(as_text=True)) is allowed, f"{role} on {page_url}"


def test_every_role_is_allowed_somewhere_and_refused_somewhere(org):
    """The cases above exercise both answers of each predicate (a predicate true or false for everyone
    would prove nothing)."""
    for predicate in {p for p, _page, _address in WAYS_IN}:
        answers = {predicate(org[role]) for role in ("employee", "head", "facilitator", "admin")}
        assert answers == {True, False}, predicate.__name__


@pytest.mark.parametrize("role", ["employee", "head", "facilitator", "admin"])
def test_the_next_rounds_confirm_button_is_shown_exactly_to_whom_confirming_answers(app, client, org, role):
    seed_default_dimensions()
    facilitator = org["facilitator"]
    last = ratings_services.save_round(facilitator, None, "Pulse", date(2026, 3, 1), date(2026, 3, 31), 5,
                                       [org["finance"], org["sales"]])
    ratings_services.set_cadence(facilitator, last, "quarter")
    for step in (ratings_services.open_round, ratings_services.close_round, ratings_services.publish_round):
        step(facilitator, last)
    following = ratings_services.prepare_next(SCHEDULE, last)
    db.session.commit()
    person = org[role]
    assert client.sign_in(person.email, PASSWORD).status_code == 303
    with app.test_request_context():
        page_url = url_for("ratings.detail", round_id=following.id)
        target = url_for("ratings.confirm", round_id=following.id)
    allowed = ratings.can_run_rounds(person)

    shown = client.get(page_url)
    assert (f'action="{target}"' in shown.get_data(as_text=True)) is allowed, role
    answer = client.post(target)
    assert (answer.status_code == 403) is not allowed, f"{role} at {target}: {answer.status_code}"
    db.session.refresh(following)
    assert following.confirmed is allowed


@pytest.mark.parametrize("role", ["employee", "head", "sales_head", "facilitator", "admin"])
def test_a_projects_task_controls_are_shown_exactly_to_whom_they_answer(app, client, org, role):
    """Per object: adding and editing for whoever manages the project; ticking also for the task's owner
    (the employee)."""
    project = project_services.save_project(org["head"], None, project_services.ProjectData(
        title="Faster invoices", owner_department=org["finance"], departments=[org["sales"]]))
    task = project_services.add_task(org["head"], project, "Send the invoices", org["employee"], None)
    db.session.commit()
    person = org[role]
    assert client.sign_in(person.email, PASSWORD).status_code == 303
    with app.test_request_context():
        page = url_for("projects.detail", project_id=project.id)
        add = url_for("projects.add_task", project_id=project.id)
        edit = url_for("projects.edit_task", project_id=project.id, task_id=task.id)
        tick = url_for("projects.tick_task", project_id=project.id, task_id=task.id, action="done")
    shown = client.get(page).get_data(as_text=True)
    manage, may_tick = projects.can_manage_project(person, project), projects.can_tick_task(person, task)
    assert manage is (role in ("head", "facilitator")) and may_tick is (manage or role == "employee")
    for marker, answer, allowed in ((f'action="{add}"', lambda: client.post(add), manage),
                                    (f'href="{edit}"', lambda: client.get(edit), manage),
                                    (f'action="{tick}"', lambda: client.post(tick), may_tick)):
        assert (marker in shown) is allowed, f"{role}: {marker}"
        assert (answer().status_code == 403) is not allowed, f"{role}: {marker}"


@pytest.mark.parametrize("role", ["employee", "head", "sales_head", "facilitator", "admin"])
def test_a_weakness_response_is_offered_exactly_to_whom_it_answers(client, org, role):
    """Object by object: the form to answer Finance's weakest dimension on "you said — we did" is there
    exactly for Finance's heads, and its address refuses everyone else."""
    autumn, finance = spring_and_autumn(org)["autumn"], org["finance"]
    weakest = db.session.scalar(sa.select(Dimension).where(Dimension.key == "competence"))
    person = org[role]
    allowed = loop.can_respond_to_weakness(person, finance)
    assert allowed is (role == "head")
    assert client.sign_in(person.email, PASSWORD).status_code == 303
    address = f"/you-said/{autumn.id}/departments/{finance.id}/dimensions/{weakest.id}"
    answer = client.post(address, data={f"response-{finance.id}-{weakest.id}-text": "We hear you."})
    assert answer.status_code == (303 if allowed else 403)
    page = client.get(f"/you-said?round={autumn.id}").get_data(as_text=True)
    assert (f'action="{address}"' in page) is allowed


@pytest.mark.parametrize("role", ["employee", "head", "sales_head", "facilitator", "admin"])
def test_a_reply_to_a_comment_is_offered_exactly_to_whom_it_answers(client, org, role):
    """Comment by comment: the reply form under a comment on Finance's scorecard is there exactly for
    Finance's heads (facilitators read the comments, without it), and its address refuses everyone else."""
    autumn, finance = spring_and_autumn(org)["autumn"], org["finance"]
    comment = db.session.scalars(sa.select(Comment).where(Comment.round_id == autumn.id,
                                                          Comment.target_department_id == finance.id)).first()
    person = org[role]
    allowed = replies.can_reply_to_comments(person, finance)
    assert allowed is (role == "head")
    assert client.sign_in(person.email, PASSWORD).status_code == 303
    address = f"/replies/rounds/{autumn.id}/departments/{finance.id}/comments/{comment.id}"
    page = client.get(f"/results/{autumn.id}/departments/{finance.id}").get_data(as_text=True)
    assert (f'action="{address}"' in page) is allowed
    answer = client.post(address, data={f"reply-{comment.id}-kind": "acknowledged"})
    assert answer.status_code == (303 if allowed else 403)
