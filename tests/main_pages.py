"""The main pages of every role in the demo company (app/demo.py), for the checks that look at all of them:
axe-core in a browser (tests/e2e/test_accessibility.py), the Nu HTML checker (tests/web/test_valid_html.py).

A page is its address with {placeholders} filled from `prepare_demo()`; a `Refused` page is a form sent empty,
so that it comes back with its error messages."""
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.auth.services import issue_link
from app.demo import load_demo
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department
from app.projects.models import Project, RootCause
from app.ratings.models import Round
from app.workshops import services as workshops
from app.workshops.demo import CARDS, FINISHED, FINISHED_PEOPLE, SCHEDULED
from app.workshops.models import Workshop


@dataclass(frozen=True)
class Refused:
    """A form sent without its answers (the browser clicks its main button, `SUBMIT`; the Flask client posts
    nothing but the CSRF token): the page it comes back as, with its error messages, must be as sound."""
    path: str

    def __str__(self) -> str:
        return f"{self.path} (refused)"


SIGN_INS = {
    "admin": "admin@example.com",
    "facilitator": "facilitator@example.com",
    "head": "head.finance@example.com",
    "employee": "employee.sales@example.com",
}
SUBMIT = "main form button.primary"
RATE = "/rounds/{open_round}/rate"
PAGES: dict[str, list[str | Refused]] = {
    "anonymous": [
        "/login",
        Refused("/login"),
        "/forgot",
        "/password/{reset_token}",
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
        Refused("/org/people/new"),
        "/org/people/{head}/edit",
        "/org/people/import",
        "/dimensions",
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
        Refused("/rounds/new"),
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
        Refused("/projects/new"),
        "/projects/{project}",
        "/projects/{project}/edit",
        "/metrics",
        "/metrics/new",
        "/metrics/suggested",
        "/metrics/{metric}",
        "/metrics/{metric}/edit",
        "/metrics/import",
        "/org/departments",
        "/org/service-map",  # read only: no toggles
        "/workshops",
        "/workshops/new",
        Refused("/workshops/new"),
        "/workshops/{scheduled_workshop}",
        "/workshops/{scheduled_workshop}/edit",
        "/workshops/{finished_workshop}",
        "/workshops/{finished_workshop}/minutes",
        "/workshops/{collect_workshop}",
        "/workshops/{group_workshop}",
        "/workshops/{vote_workshop}",
    ],
    "head": [
        "/",
        "/results",
        "/results/{published_round}/departments/{finance}",
        RATE,
        RATE + "/d{it}",
        "/metrics",
        "/org/departments/{finance}",
    ],
    "employee": [
        "/",
        RATE,
        RATE + "/company",
        RATE + "/self",
        RATE + "/d{finance}",
        Refused(RATE + "/d{finance}"),
        "/projects",
        "/projects/{project}",
        "/workshops",
        "/workshops/{scheduled_workshop}",
        "/workshops/{finished_workshop}",
        "/workshops/{finished_workshop}/minutes",
        "/workshops/{collect_workshop}",
        "/workshops/{vote_workshop}",
        "/account",
        Refused("/account"),
    ],
}


def one(model, where):
    return db.session.scalar(sa.select(model).where(where).order_by(model.id).limit(1))


def live_workshops() -> dict[str, int]:
    """The demo's finished workshop again, stopped in each phase in which people work at the board: cards
    being written, grouped, voted on (the demo itself has only a scheduled and a finished one)."""
    facilitator = one(User, User.email == SIGN_INS["facilitator"])
    finished = one(Workshop, Workshop.title == FINISHED)
    people = [one(User, User.email == email) for email in FINISHED_PEOPLE]
    ids = {}
    for phase in ("collect", "group", "vote"):
        workshop = workshops.save_workshop(
            facilitator, None, f"{FINISHED} ({phase})", finished.held_on + timedelta(days=1), finished.round,
            finished.departments, people, 3, True, True)
        while workshop.phase != "collect":
            workshops.move_phase(facilitator, workshop, 1)
        cards = [workshops.add_card(people[i], workshop, text, one(Dimension, Dimension.key == dimension),
                                    one(RootCause, RootCause.key == cause))
                 for i, (text, dimension, cause, _group) in enumerate(CARDS[:4])]
        while workshop.phase != phase:
            workshops.move_phase(facilitator, workshop, 1)
        if phase == "vote":
            workshops.vote(people[1], cards[0])
        ids[f"{phase}_workshop"] = workshop.id
    return ids


def prepare_demo() -> dict[str, int | str]:
    """Load the demo company and the live workshops (inside an app context); returns what the page
    addresses need."""
    load_demo()
    head = one(User, User.email == SIGN_INS["head"])
    return {
        "finance": one(Department, Department.code == "FIN").id,
        "it": one(Department, Department.code == "IT").id,
        "head": head.id,
        "dimension": one(Dimension, Dimension.retired.is_(False)).id,
        "open_round": one(Round, Round.state == "open").id,
        "published_round": db.session.scalar(
            sa.select(Round.id).where(Round.state == "published").order_by(Round.id.desc()).limit(1)),
        "project": one(Project, Project.id.is_not(None)).id,
        "metric": one(Metric, Metric.id.is_not(None)).id,
        "finished_workshop": one(Workshop, Workshop.title == FINISHED).id,
        "scheduled_workshop": one(Workshop, Workshop.title == SCHEDULED).id,
        **live_workshops(),
        "reset_token": issue_link(head, "reset"),
    }
