"""The first-run checklist on the home page: how far a new company has got towards its first rating round.

It is read with a fixed number of statements, whatever the company's size: one while any round exists (the
list is gone then), else one for the counts and, for a reader who must ask someone, one for their names."""
from dataclasses import dataclass

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.org.models import Department, ServiceLink
from app.ratings.models import Round
from app.web.policies import has_role

MIN_DEPARTMENTS = 2  # a round needs two departments, since no one rates their own as a client
ASKED_NAMES = 5  # whom to ask: a few names are enough

# Each step, the role that does it, and the steps a reader holding only the other role sees. A facilitator
# who is not an admin sees what a round needs from the admins, and the round itself.
STEPS = (("departments", "admin"), ("service_map", "admin"), ("people", "admin"), ("facilitator", "admin"),
         ("round", "facilitator"))
FACILITATORS_PART = ("departments", "service_map", "round")

COUNTS = sa.select(
    sa.select(sa.func.count()).select_from(Department).scalar_subquery(),
    sa.select(sa.func.count()).select_from(ServiceLink).scalar_subquery(),
    sa.select(sa.func.count()).select_from(User)
    .where(User.active, User.department_id.is_not(None)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(User).where(User.active, User.is_facilitator).scalar_subquery(),
)


@dataclass(frozen=True)
class Step:
    key: str
    count: int  # what there is so far (0 for the round: the list is gone once there is one)
    done: bool
    yours: bool  # whether the reader can do it; else they are told whom to ask


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]
    next: str | None  # the first step not done: the one to do now
    ask: list[str]  # names of those who do the steps that are not the reader's


def checklist(user) -> Checklist | None:
    """The steps towards the first round as `user` (an admin or a facilitator) sees them; None once a round
    exists or for anyone else."""
    admin, facilitator = has_role(user, "admin"), has_role(user, "facilitator")
    if not (admin or facilitator) or db.session.scalar(sa.select(sa.exists().where(Round.id.is_not(None)))):
        return None
    departments, links, people, facilitators = db.session.execute(COUNTS).one()
    counts = {"departments": departments, "service_map": links, "people": people,
              "facilitator": facilitators, "round": 0}
    done = {"departments": departments >= MIN_DEPARTMENTS, "service_map": links > 0, "people": people > 0,
            "facilitator": facilitators > 0, "round": False}
    steps = [Step(key, counts[key], done[key], has_role(user, role)) for key, role in STEPS
             if admin or key in FACILITATORS_PART]
    next_step = next((s.key for s in steps if not s.done), None)
    others = "facilitator" if admin else "admin"
    ask = [] if admin and facilitator else _names_of(others)
    return Checklist(steps, next_step, ask)


def _names_of(role: str) -> list[str]:
    """A few active people holding `role`, by name."""
    holds = User.is_admin if role == "admin" else User.is_facilitator
    return list(db.session.scalars(sa.select(User.name).where(User.active, holds)
                                   .order_by(User.name).limit(ASKED_NAMES)))
