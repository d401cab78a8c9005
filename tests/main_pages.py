"""The main pages of every role in the demo company (app/demo.py), for the checks that look at all of them:
axe-core in a browser (tests/e2e/test_accessibility.py), the Nu HTML checker (tests/web/test_valid_html.py).

A page is its address with {placeholders} filled from `prepare_demo()`, or a form `Sent` from that address."""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.agreements.models import Agreement
from app.api.services import create_token, revoke_token
from app.auth.models import User
from app.auth.services import issue_link
from app.demo import DEMO, load_demo
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department
from app.projects import services as projects
from app.projects.models import Project, RootCause
from app.ratings.models import Round
from app.workshops import services as workshops
from app.workshops.models import Workshop

DEMO_WORKSHOP = DEMO["workshops"]["finished"]  # the finished one
FINISHED, SCHEDULED = DEMO_WORKSHOP["title"], DEMO["workshops"]["scheduled"]["title"]


@dataclass(frozen=True)
class Sent:
    """The page a form comes back as: sent empty, with its error messages; or an import sent a CSV file,
    as the preview of its rows. The browser sets the file and clicks the form's main button, `SUBMIT`, then
    waits for `shows`; the Flask client posts the file, or nothing but the CSRF token."""
    path: str
    csv: str = ""

    @property
    def shows(self) -> str:
        return "main .table-wrap" if self.csv else "main .error"

    def __str__(self) -> str:
        return f"{self.path} ({'a CSV file sent' if self.csv else 'sent empty'})"


EMPTY_PAGES = ["/setup"]  # only while nobody exists: before the demo is loaded
SIGN_INS = {
    "admin": "admin@example.com",
    "facilitator": "facilitator@example.com",
    "head": "head.finance@example.com",
    "employee": "employee.sales@example.com",
}
SUBMIT = "main form button.primary"
RATE = "/rounds/{open_round}/rate"
PAGES: dict[str, list[str | Sent]] = {
    "anonymous": [
        "/login",
        Sent("/login"),
        "/forgot",
        "/password/{reset_token}",
        "/replies",  # the author's replies: for whoever holds a code, signed in or not
        Sent("/replies"),
    ],
    "admin": [
        "/",
        "/org/departments",
        "/org/departments/new",
        "/org/departments/{finance}",
        "/org/departments/{finance}/edit",
        "/org/service-map",
        "/org/people",
        "/org/people/new",
        Sent("/org/people/new"),
        "/org/people/{head}/edit",
        "/org/people/import",
        Sent("/org/people/import", "name,email,department\nNina New,nina.new@example.com,FIN\n"),
        "/dimensions",
        "/complaints/categories",
        Sent("/complaints/categories"),
        "/dimensions/new",
        "/dimensions/{dimension}/edit",
        "/projects/root-causes",
        "/audit",
        "/account",
        "/account/tokens",
    ],
    "facilitator": [
        "/",
        "/rounds",
        "/rounds/new",
        Sent("/rounds/new"),
        "/rounds/{open_round}",
        "/rounds/{open_round}/edit",
        "/rounds/{published_round}",
        "/results",
        "/results/{published_round}",
        "/results/{published_round}/rates",
        "/results/{published_round}/trends",
        "/results/{published_round}/matrix",
        "/results/{published_round}/departments/{finance}",
        "/projects",
        "/projects/new",
        Sent("/projects/new"),
        "/projects/{project}",
        "/projects/{project}/edit",
        "/projects/{project}/tasks/{task}/edit",
        "/metrics",
        "/metrics/new",
        "/metrics/suggested",
        "/metrics/{metric}",
        "/metrics/{metric}/edit",
        "/metrics/import",
        Sent("/metrics/import", "metric,date,value\n{metric_name},2026-11-02,4.5\n{metric_name},someday,x\n"),
        "/complaints/import",
        Sent("/complaints/import", "date,category,department\n2026-03-03,Rude answer,SUP\n2026-03-04,x,X\n"),
        "/chain",
        "/chain/{nps}",
        "/chain/mirror/{published_round}",
        "/org/departments",
        "/org/service-map",  # read only: no toggles
        "/workshops",
        "/workshops/new",
        Sent("/workshops/new"),
        "/workshops/{scheduled_workshop}",
        "/workshops/{scheduled_workshop}/edit",
        "/workshops/{finished_workshop}",
        "/workshops/{finished_workshop}/minutes",
        "/workshops/{review_workshop}",
        "/workshops/{collect_workshop}",
        "/workshops/{group_workshop}",
        "/workshops/{vote_workshop}",
        "/workshops/{projects_workshop}",
    ],
    "head": [
        "/",
        "/results",
        "/results/{published_round}/departments/{finance}",
        "/you-said",
        RATE,
        RATE + "/d{it}",
        "/metrics",
        "/chain/{nps}",
        "/org/departments/{finance}",
        "/agreements",
        "/agreements/{agreement}",
        "/agreements/new",
        Sent("/agreements/new"),
    ],
    "employee": [
        "/",
        RATE,
        RATE + "/company",
        RATE + "/self",
        RATE + "/d{finance}",
        Sent(RATE + "/d{finance}"),
        "/you-said",
        "/projects",
        "/projects/{project}",
        "/workshops",
        "/workshops/{scheduled_workshop}",
        "/workshops/{finished_workshop}",
        "/workshops/{finished_workshop}/minutes",
        "/workshops/{collect_workshop}",
        "/workshops/{collect_workshop}/cards/{own_card}/edit",
        "/workshops/{vote_workshop}",
        "/rounds/{published_round}/rate",  # not open any more
        "/account",
        Sent("/account"),
    ],
}


def filled(entry: str | Sent, ids: dict) -> str | Sent:
    """The page with its placeholders filled in from `ids`."""
    if isinstance(entry, Sent):
        return Sent(entry.path.format(**ids), entry.csv.format(**ids))
    return entry.format(**ids)


def one(model, where):
    return db.session.scalar(sa.select(model).where(where).order_by(model.id).limit(1))


def live_workshops() -> dict[str, int]:
    """The demo's finished workshop again, stopped in each phase in which people work at the board: the
    round's results reviewed, cards written, grouped, voted on, made projects (the demo itself has only a
    scheduled and a finished one)."""
    facilitator = one(User, User.email == SIGN_INS["facilitator"])
    finished = one(Workshop, Workshop.title == FINISHED)
    people = [one(User, User.email == email) for email in DEMO_WORKSHOP["people"]]
    ids = {}
    for phase in ("review", "collect", "group", "vote", "projects"):
        workshop = workshops.save_workshop(
            facilitator, None, f"{FINISHED} ({phase})", finished.held_on + timedelta(days=1), finished.round,
            finished.departments, people, 3, False, True)  # cards signed: their authors may edit them
        while workshop.phase != phase:
            workshops.move_phase(facilitator, workshop, 1)
            if workshop.phase == "collect":
                cards = [workshops.add_card(people[i], workshop, text, one(Dimension, Dimension.key == key),
                                            one(RootCause, RootCause.key == cause))
                         for i, (text, key, cause, *_into) in enumerate(DEMO_WORKSHOP["cards"][:4])]
            elif workshop.phase == "vote":
                workshops.vote(people[1], cards[0])
        if phase == "collect":
            ids["own_card"] = cards[0].id  # the employee's (people[0]), editable while cards are written
        ids[f"{phase}_workshop"] = workshop.id
    return ids


def project_with_tasks(facilitator: User) -> dict[str, int]:
    """The demo's first active project, with a task overdue, one still ahead and one done: its Tasks
    section in every state it shows."""
    project = one(Project, Project.status == "active")
    owner = project.lead or facilitator
    for title, due in (("Agree the cut-off", -3), ("Write the guide", 10), ("Map the hand-offs", -10)):
        task = projects.add_task(facilitator, project, title, owner, date.today() + timedelta(days=due))
    projects.set_task_done(facilitator, task, True)
    return {"project": project.id, "task": task.id}


def prepare_demo() -> dict[str, int | str]:
    """Load the demo company and the live workshops (inside an app context); returns what the page
    addresses need."""
    load_demo()
    head = one(User, User.email == SIGN_INS["head"])
    metric = one(Metric, Metric.id.is_not(None))
    admin = one(User, User.email == SIGN_INS["admin"])
    revoke_token(admin, create_token(admin, "Help desk", "write")[0])
    create_token(admin, "CRM", "read")  # the tokens page lists one of each
    return {
        "finance": one(Department, Department.code == "FIN").id,
        "it": one(Department, Department.code == "IT").id,
        "head": head.id,
        "dimension": one(Dimension, Dimension.retired.is_(False)).id,
        "open_round": one(Round, Round.state == "open").id,
        "published_round": db.session.scalar(
            sa.select(Round.id).where(Round.state == "published").order_by(Round.id.desc()).limit(1)),
        **project_with_tasks(one(User, User.email == SIGN_INS["facilitator"])),
        "metric": metric.id,
        "metric_name": metric.name,
        "nps": one(Metric, Metric.name.startswith("Net Promoter")).id,
        "agreement": one(Agreement, Agreement.id.is_not(None)).id,
        "finished_workshop": one(Workshop, Workshop.title == FINISHED).id,
        "scheduled_workshop": one(Workshop, Workshop.title == SCHEDULED).id,
        **live_workshops(),
        "reset_token": issue_link(head, "reset"),
    }
