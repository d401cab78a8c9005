"""Statements per page: a page costs what it shows, not what the database holds.

Each case signs in with the role that reads the page, counts the SQL statements of one GET, then grows
everything the page must not scale with — more published rounds (history), departments outside the round,
people, projects, check-ins, readings, metrics, workshops, and more cards, participants and votes on the
board — and counts again. The count must be exactly the same: also where the page now shows more rows
(the heatmap and matrix get more departments, the portfolio more projects, the people page more people),
since a query per row would make it grow. Counting statements, not time, keeps the tests exact and fast.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.dimensions.services import ordered
from app.extensions import db
from app.metrics import services as metrics
from app.metrics.models import Metric
from app.org.models import ServiceLink
from app.projects import services as projects
from app.projects.models import Project, ProjectEvent, RootCause
from app.ratings import services as ratings
from app.workshops import services as workshops
from app.workshops.models import Card, Participant, Vote
from tests.factories import count_statements, make_department, make_user
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as

HTMX = {"HX-Request": "true"}
TODAY = date.today()
MOST = 30  # statements any of these pages may send at all, however small the data


# The world: one of everything ---------------------------------------------------------------------

def cause(key: str) -> RootCause:
    return db.session.scalar(sa.select(RootCause).where(RootCause.key == key))


def a_metric(w, name: str, owner, start: date, values) -> Metric:
    metric = metrics.save_metric(w["facilitator"], None, name, "", "points", "higher", owner)
    for i, value in enumerate(values):
        metrics.record_reading(w["facilitator"], metric, start - timedelta(days=10 * (len(values) - i)),
                               float(value), "")
    return metric


def a_project(w, title: str, owner, others, metric=None, lead=None, members=(), key="processes",
              source=None, start: date | None = None) -> Project:
    actor = w["facilitator"]
    project = projects.save_project(actor, None, projects.ProjectData(
        title=title, owner_department=owner, departments=list(others), lead=lead, members=list(members),
        root_cause=cause(key), metric=metric, target_value=99.0 if metric else None,
        target_date=TODAY + timedelta(days=200) if metric else None, expected_lag_days=0, source=source))
    if start is not None:
        projects.move(actor, project, "start", on=start)
        for days, status in ((20, "on_track"), (10, "at_risk")):
            projects.add_check_in(lead or actor, project, start + timedelta(days=days), f"Step {days}",
                                  status)
    return project


@pytest.fixture
def world(org):
    """Two published rounds (spring, autumn), an open one (winter), a metric with readings, a started
    project from autumn's weak spot with members and check-ins, and a workshop on autumn in full swing:
    cards (one merged into another), dots, and a card that became a project."""
    rounds = spring_and_autumn(org)  # adds Support and Legal to `org`
    w = {**org, **rounds}
    departments = [w[d] for d in ("finance", "sales", "support", "legal")]
    winter = ratings.save_round(w["facilitator"], None, "Winter", TODAY - timedelta(days=5),
                                TODAY + timedelta(days=20), 3, departments)
    ratings.open_round(w["facilitator"], winter)
    w["winter"] = winter
    start = TODAY - timedelta(days=60)
    w["start"] = start
    w["metric"] = a_metric(w, "NPS", w["finance"], start, [30, 32, 34, 36])
    dimension = ordered()[0]
    spot = projects.weak_spot(w["autumn"], w["finance"], dimension)
    w["project"] = a_project(w, "Faster invoices", w["finance"], [w["sales"]], w["metric"], lead=w["head"],
                             members=[w["employee"]], source=spot, start=start)
    metrics.record_reading(w["facilitator"], w["metric"], start + timedelta(days=30), 40.0, "")
    workshop = workshops.save_workshop(w["facilitator"], None, "Quarter close", TODAY, w["autumn"],
                                       [w["finance"], w["sales"]], [w["employee"], w["head"]], 3, False,
                                       False)
    w["workshop"] = workshop
    workshops.move_phase(w["facilitator"], workshop, 1)  # review
    workshops.move_phase(w["facilitator"], workshop, 1)  # collect
    first = workshops.add_card(w["employee"], workshop, "Invoices reach Sales late", dimension,
                               cause("processes"))
    second = workshops.add_card(w["head"], workshop, "Invoices arrive late", dimension, cause("systems"))
    third = workshops.add_card(w["head"], workshop, "Nobody answers the phone", None, cause("people"))
    workshops.move_phase(w["facilitator"], workshop, 1)  # group
    workshops.merge_cards(w["facilitator"], first, [second])
    workshops.move_phase(w["facilitator"], workshop, 1)  # vote
    workshops.vote(w["employee"], first)
    workshops.vote(w["head"], third)
    workshops.move_phase(w["facilitator"], workshop, 1)  # projects
    workshops.turn_into_project(w["facilitator"], first, w["finance"], [w["sales"]], "Invoices on time")
    db.session.commit()
    return w


# Growing what a page must not scale with ----------------------------------------------------------

def more_history(w) -> None:
    """Three more published rounds before spring, each rated, and a closed and a draft one."""
    departments = [w[d] for d in ("finance", "sales", "support", "legal")]
    for year in (2023, 2024, 2025):
        survey = Survey(w["facilitator"], departments, name=f"Spring {year}", opens=date(year, 3, 1),
                        closes=date(year, 3, 31))
        survey.rate(w["sales"], w["finance"], [2, 3, 4])
        survey.rate(w["finance"], "self", [4, 4, 4])
        survey.rate(w["support"], w["sales"], [3, 3, 3])
        survey.publish()
    closed = Survey(w["facilitator"], departments, name="Summer", opens=date(2026, 6, 1),
                    closes=date(2026, 6, 30))
    closed.rate(w["sales"], w["finance"], [3, 3, 3])
    ratings.close_round(w["facilitator"], closed.round)
    ratings.save_round(w["facilitator"], None, "Next spring", date(2027, 3, 1), date(2027, 3, 31), 3,
                       departments)
    db.session.commit()


def more_departments(w) -> None:
    """Departments outside every round, with heads, members and links; and two more departments in
    autumn (published) and the workshop: rows the heatmap, matrix and review board now show."""
    for n in range(3):
        outside = make_department(f"Outside {n}", f"OUT{n}")
        make_user(f"head.out{n}@example.com", f"Olga Out {n}", outside, head_of=[outside])
        make_user(f"member.out{n}@example.com", f"Oleg Out {n}", outside)
        db.session.add(ServiceLink(provider_id=outside.id, client_id=w["sales"].id))
    for n in range(2):
        joining = make_department(f"Joining {n}", f"JOIN{n}")
        make_user(f"head.join{n}@example.com", f"Jana Join {n}", joining, head_of=[joining])
        db.session.add(ServiceLink(provider_id=joining.id, client_id=w["finance"].id))
        w["autumn"].departments.append(joining)
        w["workshop"].departments.append(joining)
    db.session.commit()


def more_people(w) -> None:
    """People of every kind: employees, heads of several departments, facilitators, an admin, an invited
    person and a deactivated one."""
    for department in (w["finance"], w["sales"], w["support"], w["legal"]):
        for _ in range(3):
            make_user(department=department)
    make_user(head_of=[w["support"], w["legal"]], department=w["support"])
    make_user(is_facilitator=True, department=w["legal"])
    make_user(is_admin=True)
    make_user(password=None, department=w["sales"])
    make_user(active=False, department=w["finance"])
    db.session.commit()


def more_projects(w) -> None:
    """More metrics and their readings, more projects of every status with members and check-ins, more
    readings and check-ins on the project shown."""
    start = w["start"]
    for n, (owner, other) in enumerate(((w["finance"], w["support"]), (w["sales"], w["finance"]),
                                        (w["support"], w["legal"]))):
        metric = a_metric(w, f"CSAT {n}", owner, start, [50, 51, 52])
        lead = make_user(department=owner)
        member = make_user(department=other)
        a_project(w, f"Started {n}", owner, [other], metric, lead=lead, members=[member],
                  key=("people", "clients", "systems")[n], start=start)
        a_project(w, f"Proposed {n}", owner, [other, w["legal"]], key="products")
        cancelled = a_project(w, f"Cancelled {n}", owner, [other])
        projects.move(w["facilitator"], cancelled, "cancel")
    for days in range(31, 56, 4):
        metrics.record_reading(w["facilitator"], w["metric"], start + timedelta(days=days), 40.0 + days, "")
    for days in range(400, 1200, 200):  # older than the year the metrics list draws
        metrics.record_reading(w["facilitator"], w["metric"], start - timedelta(days=days), 20.0, "")
    project = w["project"]
    for days in (5, 15, 25, 35):  # each check-in from another new member, each move by another person
        member = make_user(department=w["sales"])
        project.members.append(member)
        projects.add_check_in(member, project, start + timedelta(days=days), f"Did {days}", "on_track")
        project.events.append(ProjectEvent(actor=make_user(department=w["finance"]), from_status="active",
                                           to_status="active", note=f"Reviewed on day {days}"))
    project.departments.append(w["legal"])
    db.session.commit()


def more_board(w) -> None:
    """More participants from the workshop's departments, each with cards (named and anonymous, merged
    and not, one turned into a project) and dots; another workshop with its own cards."""
    workshop = w["workshop"]
    cards = []
    for n, department in enumerate((w["finance"], w["sales"], w["finance"], w["sales"])):
        person = make_user(department=department)
        workshop.participants.append(Participant(user_id=person.id, department_id=department.id,
                                                 votes_left=1))
        for text, author in ((f"Named card {n}", person.id), (f"Anonymous card {n}", None)):
            card = Card(workshop=workshop, text=text, author_id=author, dimension=ordered()[n],
                        root_cause=cause(("people", "clients", "systems", "products")[n]))
            db.session.add(card)
            cards.append((card, person))
    db.session.flush()
    cards[1][0].merged_into_id = cards[0][0].id
    for card, person in cards:
        db.session.add(Vote(card_id=card.id, user_id=person.id))
    cards[2][0].project = a_project(w, "From the board", w["finance"], [w["sales"]])
    other = workshops.save_workshop(w["facilitator"], None, "Another", TODAY, None,
                                    [w["finance"], w["sales"]], [w["employee"]], 3, False, False)
    db.session.add_all(Card(workshop=other, text=f"Elsewhere {n}", author_id=w["employee"].id)
                       for n in range(3))
    workshops.bump(workshop)
    db.session.commit()


def grow(w) -> None:
    more_history(w)
    more_departments(w)
    more_people(w)
    more_projects(w)
    more_board(w)


# The pages ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    who: str
    path: object  # world -> the address, read afresh after growing (ids, the board's version)
    phase: str | None = None  # the workshop's phase while the page is read
    headers: dict = field(default_factory=dict)
    status: int = 200


def in_phase(phase: str, who: str = "employee") -> Page:
    return Page(who, lambda w: f"/workshops/{w['workshop'].id}", phase)


def results(tail: str = "") -> object:
    return lambda w: f"/results/{w['autumn'].id}{tail}"


def scorecard(tail: str = "") -> object:
    return lambda w: f"/results/{w['autumn'].id}/departments/{w['finance'].id}{tail}"


PAGES = {
    # published results
    "results list": Page("facilitator", lambda w: "/results"),
    "scorecard": Page("head", scorecard()),
    "scorecard csv": Page("head", scorecard(".csv")),
    "company view": Page("facilitator", results()),
    "company response rates": Page("facilitator", results("/rates")),
    "company trends": Page("facilitator", results("/trends")),
    "company csv": Page("facilitator", results("/company.csv")),
    "service matrix": Page("facilitator", results("/matrix")),
    "matrix csv": Page("facilitator", results("/matrix.csv?measure=overall")),
    # the workshop board in each phase, its poll, the list and the minutes
    "board scheduled": in_phase("scheduled"),
    "board review": in_phase("review"),
    "board collect": in_phase("collect"),
    "board group (facilitator)": in_phase("group", "facilitator"),
    "board vote": in_phase("vote"),
    "board projects (facilitator)": in_phase("projects", "facilitator"),
    "board wrap-up": in_phase("wrapup"),
    "poll unchanged": Page("employee", lambda w: f"/workshops/{w['workshop'].id}/poll?version="
                           f"{w['workshop'].version}", "vote", HTMX, 204),
    "poll changed": Page("employee", lambda w: f"/workshops/{w['workshop'].id}/poll?version=-1", "vote",
                         HTMX),
    "workshops list": Page("facilitator", lambda w: "/workshops"),
    "minutes": Page("head", lambda w: f"/workshops/{w['workshop'].id}/minutes", "wrapup"),
    # projects and metrics
    "project (head)": Page("head", lambda w: f"/projects/{w['project'].id}"),
    "project (employee)": Page("employee", lambda w: f"/projects/{w['project'].id}"),
    "portfolio": Page("employee", lambda w: "/projects"),
    "metric": Page("head", lambda w: f"/metrics/{w['metric'].id}"),
    "metrics list": Page("facilitator", lambda w: "/metrics"),
    # rounds, organisation
    "rounds list": Page("facilitator", lambda w: "/rounds"),
    "departments": Page("admin", lambda w: "/org/departments"),
    "department": Page("head", lambda w: f"/org/departments/{w['finance'].id}"),
    "service map": Page("admin", lambda w: "/org/service-map"),
    "service map, one department": Page("admin", lambda w: f"/org/service-map?department={w['finance'].id}"),
    "people": Page("admin", lambda w: "/org/people"),
    # home, for each role
    "home employee": Page("employee", lambda w: "/"),
    "home head": Page("head", lambda w: "/"),
    "home facilitator": Page("facilitator", lambda w: "/"),
    "home admin": Page("admin", lambda w: "/"),
}


def set_phase(w, phase: str | None) -> None:
    if phase is not None and w["workshop"].phase != phase:
        w["workshop"].phase = phase
        workshops.bump(w["workshop"])
        db.session.commit()


def forget_kept_pages(app) -> None:
    """Empty what the process keeps between requests (app.web.memo: rendered results pages), so the page
    is counted as rendered, as the first reader after a start or an eviction gets it — not as kept."""
    for name in [n for n in app.extensions if n.startswith("kept_")]:
        del app.extensions[name]


def statements(client, w, page: Page) -> list[str]:
    """The statements of one GET of the page, rendered afresh, which must answer as expected."""
    path = page.path(w)  # read before counting: the test's own session may load the ids
    forget_kept_pages(client.application)
    with count_statements() as seen:
        response = client.get(path, headers=page.headers)
    assert response.status_code == page.status, path
    return seen


def added(small: list[str], grown: list[str]) -> str:
    """The statements the grown page sends more often, to say where a query per row comes from."""
    extra = Counter(" ".join(s.split())[:160] for s in grown)
    extra.subtract(" ".join(s.split())[:160] for s in small)
    return "\n".join(f"{n:+d} × {s}" for s, n in extra.most_common() if n)


@pytest.mark.parametrize("name", list(PAGES))
def test_statements_do_not_grow_with_the_data(client, world, name):
    page = PAGES[name]
    set_phase(world, page.phase)
    sign_in_as(client, world[page.who])
    statements(client, world, page)  # a first request settles the session
    small = statements(client, world, page)
    grow(world)
    set_phase(world, page.phase)
    grown = statements(client, world, page)
    print(f"{name}: {len(small)} statements, {len(grown)} after growing")
    assert len(grown) == len(small), added(small, grown)
    assert len(small) <= MOST, small


@pytest.mark.parametrize("who", ["admin", "facilitator"])
def test_the_first_run_checklist_costs_the_same_for_a_company_of_any_size(client, org, who):
    """Before the first round, the home page counts departments, links, people and facilitators, and names
    whom to ask: in the same few statements for two departments as for many, with their people."""
    home = Page(who, lambda w: "/")
    sign_in_as(client, org[who])
    statements(client, org, home)  # a first request settles the session
    small = statements(client, org, home)
    assert "Getting started" in client.get("/").get_data(as_text=True)
    for n in range(4):
        department = make_department(f"More {n}", f"MORE{n}")
        db.session.add(ServiceLink(provider_id=department.id, client_id=org["sales"].id))
        make_user(department=department, head_of=[department])
        make_user(department=department, is_facilitator=True)
        make_user(is_admin=True)
    db.session.commit()
    grown = statements(client, org, home)
    assert len(grown) == len(small), added(small, grown)
    ratings.save_round(org["facilitator"], None, "First", TODAY, TODAY + timedelta(days=14), 3,
                       [org["finance"], org["sales"]])
    db.session.commit()
    started = statements(client, org, home)
    assert "Getting started" not in client.get("/").get_data(as_text=True)
    print(f"home {who}: {len(small)} statements with the checklist, {len(started)} once a round exists")
    assert len(small) - len(started) <= 2  # the counts, and the names of whom to ask
