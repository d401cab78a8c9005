"""Empty lists say what the page is for and what to do next, with the link to do it — or, for a reader who
cannot act, what will appear there and when, and no button they may not use."""
import pytest

from app.extensions import db
from tests.factories import make_user, page_text
from tests.ratings.test_services import add_dimensions
from tests.reports.test_results import Survey, sign_in_as


def seen(client, path: str) -> tuple[str, str]:
    """The page as read, and its markup (for links)."""
    response = client.get(path)
    assert response.status_code == 200, path
    return page_text(response), response.get_data(as_text=True)


@pytest.fixture
def bare(app):
    """A company that has just begun: an admin and a facilitator, no departments yet."""
    people = {"admin": make_user("admin@example.com", "Ada Admin", is_admin=True),
              "facilitator": make_user("fay@example.com", "Fay Facilitator", is_facilitator=True)}
    db.session.commit()
    return people


def test_no_departments_admin_is_offered_to_add_one_facilitator_is_told_who_does(client, bare):
    sign_in_as(client, bare["admin"])
    text, html = seen(client, "/org/departments")
    assert "Departments are the teams that rate each other's service. There are none yet." in text
    assert "a rating round needs at least two" in text
    assert 'class="button primary" href="/org/departments/new">Add a department</a>' in html
    sign_in_as(client, bare["facilitator"])
    text, html = seen(client, "/org/departments")
    assert "An administrator adds them" in text and "/org/departments/new" not in html


def test_a_service_map_without_departments_sends_the_admin_to_add_them(client, bare):
    sign_in_as(client, bare["admin"])
    text, html = seen(client, "/org/service-map")
    assert "The map needs at least two departments" in text
    assert 'class="button primary" href="/org/departments/new">Add a department</a>' in html
    sign_in_as(client, bare["facilitator"])
    text, html = seen(client, "/org/service-map")
    assert "An administrator adds them" in text and "/org/departments/new" not in html


def test_no_rounds_a_facilitator_is_offered_the_first(client, bare):
    sign_in_as(client, bare["facilitator"])
    text, html = seen(client, "/rounds")
    assert "In a rating round, everyone in the departments taking part rates" in text
    assert 'href="/rounds/new">Create a round</a>' in html


def test_no_results_a_facilitator_is_sent_to_the_rounds_a_head_told_when(client, org):
    sign_in_as(client, org["facilitator"])
    text, html = seen(client, "/results")
    assert "No results are published yet." in text and "close a round, then publish it" in text
    assert 'href="/rounds">Go to the rating rounds</a>' in html
    sign_in_as(client, org["head"])
    text, html = seen(client, "/results")
    assert "Once a rating round has closed and a facilitator publishes it" in text
    assert 'href="/rounds"' not in html.split("<main", 1)[1]


def test_no_projects_by_role_and_by_filter(client, org):
    sign_in_as(client, org["head"])
    text, html = seen(client, "/projects")
    assert "Improvement projects turn weak spots into work that must move a client metric. None yet." in text
    assert "Start one from a weak spot" in text
    assert 'class="button primary" href="/projects/new">Start a project</a>' in html
    text, html = seen(client, f"/projects?department={org['sales'].id}")
    assert "No project matches these filters." in text and 'href="/projects">Show all projects</a>' in html
    sign_in_as(client, org["employee"])
    text, html = seen(client, "/projects")
    assert "Projects appear here when a department head or a facilitator starts one" in text
    assert "/projects/new" not in html


def test_no_metrics_a_facilitator_starts_with_the_suggested_a_head_is_told_who_adds(client, org):
    sign_in_as(client, org["facilitator"])
    text, html = seen(client, "/metrics")
    assert "No metrics yet. Every project must move one" in text
    assert 'href="/metrics/suggested">Add suggested metrics</a>' in html
    sign_in_as(client, org["head"])
    text, html = seen(client, "/metrics")
    assert "A facilitator or an administrator adds them" in text and "/metrics/suggested" not in html


def test_no_workshops_a_facilitator_plans_one_an_employee_learns_how_one_appears(client, org):
    sign_in_as(client, org["facilitator"])
    text, html = seen(client, "/workshops")
    assert "In a workshop, departments meet on neutral ground" in text
    assert 'href="/workshops/new">New workshop</a>' in html.split("empty-state", 1)[1]
    sign_in_as(client, org["employee"])
    text, html = seen(client, "/workshops")
    assert "When a facilitator invites you to one, it appears here" in text
    assert "/workshops/new" not in html


def test_an_audit_filter_that_finds_nothing_leads_back_to_the_newest(admin, org):
    text, html = seen(admin, "/audit?action=round.publish")
    assert "Nothing recorded for this action." in text
    assert 'href="/audit">Show the newest entries</a>' in html
    assert "No entries this far back." in seen(admin, "/audit?page=900")[0]


def test_people_search_that_finds_nobody_offers_everyone(admin, org):
    text, html = seen(admin, "/org/people?q=nobody-at-all")
    assert "Nobody matches these filters." in text and 'href="/org/people">Show everyone</a>' in html


def test_a_heads_home_before_any_published_round_says_what_the_scorecard_will_show(client, org):
    sign_in_as(client, org["head"])
    text, _html = seen(client, "/")
    assert "No scorecard yet. Once a rating round your department takes part in is published" in text


def test_a_scorecard_without_comments_says_when_comments_would_appear(client, org):
    add_dimensions(3)
    survey = Survey(org["facilitator"], [org["finance"], org["sales"]])
    survey.rate(org["sales"], org["finance"], [4, 4, 4])
    round_ = survey.publish()
    sign_in_as(client, org["head"])
    text, _html = seen(client, f"/results/{round_.id}/departments/{org['finance'].id}")
    assert "No comments for this department in this round." in text
    assert "released here after the round closes, shuffled and without names" in text

