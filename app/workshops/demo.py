"""Demo workshops, run through the workshop services as a facilitator would: one finished on the Spring 2026
round (anonymous cards, groups, balanced dots, minutes and two projects it started), one scheduled for
the open round."""
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.dimensions.models import Dimension
from app.extensions import db
from app.org.models import Department
from app.projects.models import RootCause
from app.ratings.models import Round
from app.workshops import services
from app.workshops.models import Workshop

FACILITATOR = "facilitator@example.com"
FINISHED = "Trading zone, Spring 2026: Sales, Finance, Support and IT"
SCHEDULED = "Trading zone, Autumn 2026: Sales, Production and Logistics"
FINISHED_PEOPLE = ["employee.sales@example.com", "sal.2@example.com", "sal.3@example.com",
                   "head.finance@example.com", "fin.1@example.com", "fin.2@example.com",
                   "sup.1@example.com", "sup.2@example.com", "it.1@example.com", "it.2@example.com"]
SCHEDULED_PEOPLE = ["employee.sales@example.com", "sal.4@example.com", "prd.1@example.com",
                    "prd.2@example.com", "head.logistics@example.com", "log.1@example.com"]
# text, dimension key, root cause key, index of the card it is merged into (None: a group of its own)
CARDS = [
    ("Finance answers expense questions only by e-mail, days later.", "accessibility", "processes", None),
    ("Nobody picks up the Finance phone before noon.", "accessibility", "people", 0),
    ("Disputed invoices reach Sales from the customer first, not from Finance.", "communication",
     "processes", None),
    ("IT closes tickets without asking whether the problem is solved.", "understanding", "processes", None),
    ("The CRM and the billing system disagree about customer addresses.", "reliability", "systems", None),
    ("IT asks for requirements in a form Sales cannot fill in.", "understanding", "systems", 3),
    ("Support hears about price changes after the customers do.", "communication", "processes", None),
    ("Discount approvals need three signatures and take a week.", "accessibility", "processes", None),
    ("New sales staff never learn whom to ask in Finance.", "communication", "people", 2),
]
# (participant index, card index): three dots each; several on one card are allowed
DOTS = [(0, 0), (0, 0), (0, 3), (1, 0), (1, 2), (1, 7), (2, 3), (2, 3), (2, 4),
        (3, 2), (3, 4), (3, 0), (4, 0), (4, 7), (4, 4), (5, 2), (5, 2), (5, 0),
        (6, 3), (6, 6), (6, 0), (7, 6), (7, 3), (7, 2), (8, 3), (8, 3), (8, 0), (9, 4), (9, 3), (9, 0)]
# card index: title, owner code, other departments
PROJECTS = {
    0: ("Finance reachable for Sales and Support the same day", "FIN", ["SAL", "SUP"]),
    3: ("IT confirms with the client before closing a ticket", "IT", ["SAL", "SUP"]),
}


def _one(model, where):
    return db.session.scalar(sa.select(model).where(where))


def _people(emails: list[str]) -> list[User]:
    return [u for email in emails if (u := _one(User, User.email == email)) is not None]


def _departments(people: list[User]) -> list[Department]:
    return list({p.department.id: p.department for p in people if p.department is not None}.values())


def load_workshops_demo() -> int:
    """Add the demo workshops that are missing (matched by title); returns how many were added. Needs the
    demo company and its rounds; skips what it cannot build."""
    facilitator = _one(User, User.email == FACILITATOR)
    if facilitator is None:
        return 0
    added = 0
    spring = _one(Round, Round.name == "Spring 2026")
    if (_one(Workshop, Workshop.title == FINISHED) is None and spring is not None
            and spring.state == "published"):
        _finished(facilitator, spring)
        added += 1
    autumn = _one(Round, Round.name == "Autumn 2026")
    if _one(Workshop, Workshop.title == SCHEDULED) is None:
        people = _people(SCHEDULED_PEOPLE)
        if len(_departments(people)) >= 2:
            held_on = (autumn.closes_on if autumn else date.today()) + timedelta(days=14)
            services.save_workshop(facilitator, None, SCHEDULED, held_on, autumn, _departments(people),
                                   people, 3, False, False)
            added += 1
    db.session.flush()
    return added


def _finished(facilitator: User, round_: Round) -> Workshop:
    people = _people(FINISHED_PEOPLE)
    workshop = services.save_workshop(facilitator, None, FINISHED, round_.closes_on + timedelta(days=20),
                                      round_, _departments(people), people, 3, True, True)

    def to(phase):
        while workshop.phase != phase:
            services.move_phase(facilitator, workshop, 1)

    to("collect")
    cards = []
    for i, (text, dimension, cause, _group) in enumerate(CARDS):
        cards.append(services.add_card(people[i % len(people)], workshop, text,
                                       _one(Dimension, Dimension.key == dimension),
                                       _one(RootCause, RootCause.key == cause)))
    to("group")
    for i, (*_rest, group) in enumerate(CARDS):
        if group is not None:
            services.merge_cards(facilitator, cards[group], [cards[i]])
    to("vote")
    for person, card in DOTS:
        if person < len(people):
            services.vote(people[person], cards[card])
    to("projects")
    for card, (title, owner, others) in PROJECTS.items():
        services.turn_into_project(facilitator, cards[card], _one(Department, Department.code == owner),
                                   [d for code in others if (d := _one(Department, Department.code == code))],
                                   title)
    to("wrapup")
    return workshop
