"""Every route × every role, generated from app.url_map: a new route without an entry fails here."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.agreements import services as agreements
from app.complaints.models import ComplaintCategory
from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from app.metrics.models import Metric
from app.projects import services as projects
from app.ratings import services
from app.themes.models import ThemeKeyword
from app.workshops import services as workshops
from tests.factories import PASSWORD, make_department

ROLES = ("anonymous", "employee", "head_own", "head_other", "facilitator", "admin")
OK, LOGIN, DENIED, GONE, ANY = "ok", "login", "denied", "gone", "any"


def expect(anonymous, employee, head_own, head_other, facilitator, admin):
    return dict(zip(ROLES, (anonymous, employee, head_own, head_other, facilitator, admin), strict=True))


EVERYONE = expect(OK, OK, OK, OK, OK, OK)
SIGNED_IN = expect(LOGIN, OK, OK, OK, OK, OK)
ADMIN = expect(LOGIN, DENIED, DENIED, DENIED, DENIED, OK)
STAFF = expect(LOGIN, DENIED, DENIED, DENIED, OK, OK)
FACILITATOR = expect(LOGIN, DENIED, DENIED, DENIED, OK, DENIED)
RATERS = expect(LOGIN, OK, OK, OK, OK, DENIED)  # people whose department takes part in the round
RESULTS = expect(LOGIN, DENIED, OK, OK, OK, DENIED)  # heads and facilitators
SCORECARD = expect(LOGIN, DENIED, OK, DENIED, OK, DENIED)  # the department's heads and facilitators
PROJECT_TEAM = SCORECARD  # the owner department's heads (and the lead) and facilitators
READERS = expect(LOGIN, DENIED, OK, OK, OK, OK)  # heads, facilitators, admins
METRIC_OWNERS = expect(LOGIN, DENIED, OK, DENIED, OK, OK)  # the owner's heads, facilitators, admins
NOWHERE = expect(GONE, GONE, GONE, GONE, GONE, GONE)
API = expect(ANY, ANY, ANY, ANY, ANY, ANY)
WORKSHOP = expect(LOGIN, OK, OK, DENIED, OK, DENIED)  # participants and facilitators
TASK_OWNER = expect(LOGIN, OK, OK, DENIED, OK, DENIED)  # the project team, and the employee owns the task
CARD_AUTHOR = expect(LOGIN, OK, DENIED, DENIED, DENIED, DENIED)  # the employee wrote the card

EXPECTED = {
    ("static", "GET"): EVERYONE,
    ("home.home", "GET"): SIGNED_IN,
    ("web.health", "GET"): EVERYONE,
    ("auth.login", "GET"): EVERYONE,
    ("auth.login", "POST"): EVERYONE,
    ("auth.logout", "POST"): expect(ANY, ANY, ANY, ANY, ANY, ANY),
    ("auth.setup", "GET"): NOWHERE,  # people exist, so first-run setup is gone
    # a setup posted once people exist is a copy of the first (a double-click, a second tab): sign in
    ("auth.setup", "POST"): expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("auth.set_password", "GET"): NOWHERE,  # an unknown token
    ("auth.set_password", "POST"): NOWHERE,
    ("auth.forgot_password", "GET"): EVERYONE,
    ("auth.forgot_password", "POST"): EVERYONE,
    ("auth.account", "GET"): SIGNED_IN,
    ("auth.account", "POST"): SIGNED_IN,
    # Anyone signed in is signed out, and sent to the sign-in page like everyone else.
    ("auth.sign_out_everywhere", "POST"): expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("auth.language", "POST"): EVERYONE,
    ("notices.choices", "GET"): SIGNED_IN,
    ("notices.choices", "POST"): SIGNED_IN,
    ("audit.index", "GET"): ADMIN,
    ("dimensions.index", "GET"): ADMIN,
    ("dimensions.new", "GET"): ADMIN,
    ("dimensions.new", "POST"): ADMIN,
    ("dimensions.edit", "GET"): ADMIN,
    ("dimensions.edit", "POST"): ADMIN,
    ("dimensions.move_up", "POST"): ADMIN,
    ("dimensions.move_down", "POST"): ADMIN,
    ("dimensions.retire", "POST"): ADMIN,
    ("dimensions.restore", "POST"): ADMIN,
    ("org.departments", "GET"): STAFF,
    ("org.department", "GET"): expect(LOGIN, DENIED, OK, DENIED, OK, OK),
    ("org.department_new", "GET"): ADMIN,
    ("org.department_new", "POST"): ADMIN,
    ("org.department_edit", "GET"): ADMIN,
    ("org.department_edit", "POST"): ADMIN,
    ("org.department_delete", "POST"): ADMIN,
    ("org.service_map", "GET"): STAFF,
    ("org.service_link", "POST"): ADMIN,
    ("org.department_links", "POST"): ADMIN,
    ("org.people", "GET"): ADMIN,
    ("org.person_new", "GET"): ADMIN,
    ("org.person_new", "POST"): ADMIN,
    ("org.person_edit", "GET"): ADMIN,
    ("org.person_edit", "POST"): ADMIN,
    ("org.person_active", "POST"): ADMIN,
    ("org.person_link", "POST"): ADMIN,
    ("org.import_people", "GET"): ADMIN,
    ("org.import_people", "POST"): ADMIN,
    ("ratings.index", "GET"): FACILITATOR,
    ("ratings.new", "GET"): FACILITATOR,
    ("ratings.new", "POST"): FACILITATOR,
    ("ratings.detail", "GET"): FACILITATOR,
    ("ratings.edit", "GET"): FACILITATOR,
    ("ratings.edit", "POST"): FACILITATOR,
    ("ratings.move", "POST"): FACILITATOR,
    ("ratings.remind", "POST"): FACILITATOR,
    ("ratings.confirm", "POST"): FACILITATOR,
    ("ratings.rate", "GET"): RATERS,
    ("ratings.rate_target", "GET"): RATERS,
    ("ratings.rate_target", "POST"): RATERS,
    ("reports.methods", "GET"): SIGNED_IN,
    ("reports.index", "GET"): RESULTS,
    ("reports.company", "GET"): RESULTS,
    ("reports.rates", "GET"): RESULTS,
    ("reports.trends", "GET"): RESULTS,
    ("reports.matrix", "GET"): RESULTS,
    ("reports.company_csv", "GET"): RESULTS,
    ("reports.matrix_csv", "GET"): RESULTS,
    ("reports.scorecard", "GET"): SCORECARD,
    ("reports.scorecard_csv", "GET"): SCORECARD,
    ("projects.index", "GET"): SIGNED_IN,
    ("projects.detail", "GET"): SIGNED_IN,
    ("projects.new", "GET"): RESULTS,  # heads and facilitators start projects
    ("projects.new", "POST"): RESULTS,
    ("projects.edit", "GET"): PROJECT_TEAM,
    ("projects.edit", "POST"): PROJECT_TEAM,
    ("projects.move", "POST"): PROJECT_TEAM,
    ("projects.check_in", "POST"): PROJECT_TEAM,
    ("projects.add_task", "POST"): PROJECT_TEAM,
    ("projects.edit_task", "GET"): PROJECT_TEAM,
    ("projects.edit_task", "POST"): PROJECT_TEAM,
    ("projects.tick_task", "POST"): TASK_OWNER,
    ("projects.root_causes", "GET"): ADMIN,
    ("projects.root_causes", "POST"): ADMIN,
    ("metrics.index", "GET"): READERS,
    ("metrics.detail", "GET"): READERS,
    ("metrics.new", "GET"): STAFF,
    ("metrics.new", "POST"): STAFF,
    ("metrics.edit", "GET"): STAFF,
    ("metrics.edit", "POST"): STAFF,
    ("metrics.suggested", "GET"): STAFF,
    ("metrics.suggested", "POST"): STAFF,
    ("metrics.add_reading", "POST"): METRIC_OWNERS,
    ("metrics.import_readings", "GET"): READERS,  # each row is checked against what the person may write
    ("metrics.import_readings", "POST"): METRIC_OWNERS,  # no file is read for whoever may import nothing
    ("metrics.set_drivers", "POST"): STAFF,
    ("complaints.categories", "GET"): ADMIN,
    ("complaints.categories", "POST"): ADMIN,
    ("complaints.category", "GET"): ADMIN,
    ("complaints.category", "POST"): ADMIN,
    ("complaints.import_complaints", "GET"): STAFF,
    ("complaints.import_complaints", "POST"): STAFF,
    ("chain.index", "GET"): RESULTS,  # every department's published means, as the company view
    ("chain.view", "GET"): RESULTS,
    ("chain.company_mirror", "GET"): RESULTS,
    ("tokens.index", "GET"): READERS,
    ("tokens.create", "POST"): READERS,
    ("tokens.revoke", "POST"): expect(LOGIN, DENIED, GONE, GONE, GONE, GONE),  # only one's own tokens
    # The API answers to tokens only: a signed-in session without one is 401 (asserted as "any" here,
    # and in tests/api for each case); its description is public.
    ("api.openapi", "GET"): EVERYONE,
    ("api.metrics", "GET"): API,
    ("api.readings", "GET"): API,
    ("api.add_readings", "POST"): API,
    ("api.add_complaints", "POST"): API,
    ("workshops.index", "GET"): SIGNED_IN,
    ("workshops.new", "GET"): FACILITATOR,
    ("workshops.new", "POST"): FACILITATOR,
    ("workshops.edit", "GET"): FACILITATOR,
    ("workshops.edit", "POST"): FACILITATOR,
    ("workshops.move", "POST"): FACILITATOR,
    ("workshops.merge", "POST"): FACILITATOR,
    ("workshops.to_project", "POST"): FACILITATOR,
    ("workshops.board", "GET"): WORKSHOP,
    ("workshops.poll", "GET"): WORKSHOP,
    ("workshops.minutes", "GET"): WORKSHOP,
    ("workshops.minutes_md", "GET"): WORKSHOP,
    ("workshops.minutes_csv", "GET"): WORKSHOP,
    ("workshops.add_card", "POST"): WORKSHOP,
    ("workshops.withdraw_card", "POST"): WORKSHOP,
    ("workshops.vote", "POST"): WORKSHOP,
    ("workshops.unvote", "POST"): WORKSHOP,
    ("workshops.card_from_theme", "POST"): FACILITATOR,
    ("workshops.load_complaint_cards", "POST"): FACILITATOR,
    ("workshops.accept_suggestion", "POST"): FACILITATOR,
    ("workshops.reject_suggestion", "POST"): FACILITATOR,
    ("workshops.edit_card", "GET"): CARD_AUTHOR,
    ("workshops.edit_card", "POST"): CARD_AUTHOR,
    ("loop.index", "GET"): SIGNED_IN,  # each person's own rounds and departments, or none
    ("loop.respond", "POST"): expect(LOGIN, DENIED, OK, DENIED, DENIED, DENIED),  # the department's heads
    ("themes.index", "GET"): ADMIN,
    ("themes.theme", "GET"): ADMIN,
    ("themes.theme", "POST"): ADMIN,
    ("themes.remove", "POST"): ADMIN,
    # An admin who may read the department's comments; none of these roles is both (tests/themes has one).
    ("themes.comments", "GET"): expect(LOGIN, DENIED, DENIED, DENIED, DENIED, DENIED),
    ("themes.correct", "POST"): expect(LOGIN, DENIED, DENIED, DENIED, DENIED, DENIED),
    # The author's pages need only the code, whoever is signed in, or nobody.
    ("replies.index", "GET"): EVERYONE,
    ("replies.read", "POST"): EVERYONE,
    ("replies.answer", "POST"): EVERYONE,
    # The department's heads, past the check to a comment that is not there (tests/replies has the rest).
    ("replies.reply", "POST"): expect(LOGIN, DENIED, GONE, DENIED, DENIED, DENIED),
    ("agreements.index", "GET"): READERS,
    ("agreements.new", "GET"): READERS,
    ("agreements.new", "POST"): READERS,
    # The heads of its two departments (the head_other's is not one), facilitators and admins; confirming,
    # those same readers get the page back (with why not, for all but a head of the other side); ending,
    # they get the page that asks first.
    ("agreements.detail", "GET"): METRIC_OWNERS,
    ("agreements.confirm", "POST"): METRIC_OWNERS,
    ("agreements.end", "POST"): METRIC_OWNERS,
}


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_an_expectation(app):
    found = {(rule.endpoint, method) for rule, method in routes(app)}
    assert found - EXPECTED.keys() == set(), "routes without an entry in EXPECTED"
    assert EXPECTED.keys() - found == set(), "entries for routes that no longer exist"


def make_round(org, state: str):
    """A round with Finance and Sales, moved through the real services up to `state`."""
    round_ = services.save_round(org["facilitator"], None, f"{state} round", date(2026, 3, 1),
                                 date(2026, 3, 31), 5, [org["finance"], org["sales"]])
    for move, reached in ((services.open_round, "open"), (services.close_round, "closed"),
                          (services.publish_round, "published")):
        if round_.state == state:
            break
        move(org["facilitator"], round_)
        assert round_.state == reached
    return round_


def make_project(org, owner, other):
    data = projects.ProjectData(title="Faster approvals", owner_department=owner, departments=[other])
    return projects.save_project(org["facilitator"], None, data)


def url_arguments(org, role, endpoint):
    department = org["sales"] if role == "head_other" else org["finance"]
    other = org["finance"] if department is org["sales"] else org["sales"]
    # Rating pages need an open round; results (and replies to their comments) need a published one.
    published = endpoint.startswith(("reports.", "loop.", "chain.", "replies.", "themes."))
    round_ = make_round(org, "published" if published else "open")
    project = make_project(org, department, other)
    task = projects.add_task(org["facilitator"], project, "Send the invoices", org["employee"], None)
    # The employee and (for their own department) the head take part; the employee wrote a card.
    workshop = workshops.save_workshop(
        org["facilitator"], None, "Workshop", date(2026, 6, 1), None, [org["finance"], org["sales"]],
        [org["employee"], *([org["head"]] if department is org["finance"] else [])], 3, False, False)
    while workshop.phase != "collect":
        workshops.move_phase(org["facilitator"], workshop, 1)
    card = workshops.add_card(org["employee"], workshop, "Late invoices", None, None)
    metric = Metric(name="Net Promoter Score", direction="higher", owner_department=department)
    category = ComplaintCategory(name="Late invoice")
    db.session.add_all([metric, category])
    db.session.flush()
    agreement = agreements.draft(org["facilitator"], department, make_department("Legal", "LEG"),
                                 [agreements.PromiseData("Answer within a day", ordered()[0], metric)])
    return {
        "agreement_id": agreement.id,
        "category_id": category.id,
        "workshop_id": workshop.id,
        "card_id": card.id,
        "project_id": project.id,
        "task_id": task.id,
        "metric_id": metric.id,
        "department_id": department.id,
        "person_id": org["employee"].id,
        "dimension_id": ordered()[0].id,
        "token": "not-a-real-token",
        "filename": "css/app.css",
        "round_id": round_.id,
        "comment_id": "0" * 32,
        "kind": "dimension",
        "key": "competence",
        "keyword_id": db.session.scalar(sa.select(ThemeKeyword.id).order_by(ThemeKeyword.id)),
        "theme_id": db.session.scalar(sa.select(ThemeKeyword.theme_id).order_by(ThemeKeyword.id)),
        "target_key": "self",
        "token_id": 999,
        "action": {"projects.tick_task": "done"}.get(endpoint)
        or ("cancel" if endpoint.startswith("projects.") else "close"),
    }


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and "/login" in location and "/login" not in response.request.path:
        return LOGIN
    return {403: DENIED, 404: GONE}.get(response.status_code, OK)


def cases():
    """Every route and method for every role. A refusal (to the sign-in page, or 403) is the policies' code
    on either database, and the queries it makes the allowed cases make too: run on SQLite only."""
    for endpoint, method in sorted(EXPECTED):
        for role in ROLES:
            refused = EXPECTED[(endpoint, method)][role] in (LOGIN, DENIED)
            yield pytest.param(role, endpoint, method, id=f"{role}-{endpoint}-{method}",
                               marks=[pytest.mark.sqlite_suffices] if refused else [])


@pytest.mark.parametrize("role,endpoint,method", list(cases()))
def test_route_answers_each_role(app, client, org, role, endpoint, method):
    seed_default_dimensions()
    db.session.commit()
    user = {"employee": org["employee"], "head_own": org["head"], "head_other": org["head"],
            "facilitator": org["facilitator"], "admin": org["admin"]}.get(role)
    if user is not None:
        assert client.sign_in(user.email, PASSWORD).status_code == 303
    rule = next(r for r, m in routes(app) if r.endpoint == endpoint and m == method)
    arguments = url_arguments(org, role, endpoint)
    db.session.commit()
    path = rule.build({name: arguments[name] for name in rule.arguments})[1]
    response = client.open(path, method=method,
                           headers={"X-CSRFToken": client.token or client.refresh_token()})
    assert 200 <= response.status_code < 500
    expected = EXPECTED[(endpoint, method)][role]
    if expected == ANY:
        assert response.status_code != 403
    else:
        assert outcome(response) == expected, f"{method} {path} as {role}: {response.status_code}"
