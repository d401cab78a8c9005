"""Demo rating rounds for `flask demo`: three published rounds, one open, and a draft that opens by itself at
the first `flask tick` (today, UTC), with patterns to spot.

Everything goes through the rating services, exactly as people's answers would: nothing here writes a
counter, a comment or a pending ballot itself. A seeded random generator makes the demo the same every
time. What a facilitator should find in the results:
- Sales rates Finance low on accessibility and communication (1-2), middling on the rest, every round;
- IT rates its own understanding of clients far higher than its clients do (a blind spot), and HR
  rates its own competence lower than the others do (a hidden strength);
- Customer Support's responsibility improves from round to round;
- in Spring 2025 only three Logistics people took part, so their figures show "not enough responses";
- the company as its external clients see it is weakest on accessibility, communication, reliability.
"""
import random
from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.database import erase_deleted_rows
from app.extensions import db
from app.org.models import Department
from app.ratings import services
from app.ratings.models import CANT_JUDGE, Round
from app.time import utcnow

SEED = 2026
THRESHOLD = 5
FACILITATOR = "facilitator@example.com"
HELD_BACK = "employee.sales@example.com"  # has answered nothing in the open round: the demo rates with it
CODES = ("SAL", "MKT", "FIN", "PRD", "LOG", "SUP", "IT", "HR")


def _open_round_dates() -> tuple[date, date]:
    # Relative to today, so the open round is open whenever the demo is loaded.
    today = date.today()
    return today - timedelta(days=12), today + timedelta(days=16)


ROUNDS = [  # name, opening and closing dates (None: open now); the last one stays open
    ("Spring 2025", date(2025, 3, 3), date(2025, 3, 28)),
    ("Autumn 2025", date(2025, 10, 6), date(2025, 10, 31)),
    ("Spring 2026", date(2026, 3, 2), date(2026, 3, 27)),
    ("Autumn 2026", None, None),
]
# A draft whose opening day is today (UTC): the tick the README's run command starts beside the server opens
# it within a minute, and it publishes itself once it closes.
SELF_RUNNING = "Winter 2026 pulse"
SELF_RUNNING_DAYS = 21
DEFAULT_MEAN = 3.4
# How a department's clients see it, per dimension key.
SERVICE = {
    "FIN": {"competence": 3.9, "accessibility": 2.6, "courtesy": 3.3, "reliability": 3.5, "security": 4.3,
            "responsibility": 3.4, "communication": 2.8, "understanding": 3.0, "tangibles": 3.4},
    "IT": {"competence": 4.0, "accessibility": 3.0, "courtesy": 3.5, "reliability": 3.2, "security": 4.2,
           "responsibility": 3.3, "communication": 3.0, "understanding": 2.0, "tangibles": 3.7},
    "SUP": {"competence": 3.5, "accessibility": 3.8, "courtesy": 4.2, "reliability": 3.1, "security": 3.5,
            "communication": 3.4, "understanding": 3.7, "tangibles": 3.2},
    "HR": {"competence": 4.1, "accessibility": 3.6, "courtesy": 4.2, "reliability": 3.2, "security": 3.8,
           "responsibility": 3.5, "communication": 3.3, "understanding": 3.4, "tangibles": 3.5},
    "MKT": {"competence": 3.6, "accessibility": 3.5, "courtesy": 3.9, "reliability": 2.9, "security": 3.4,
            "responsibility": 3.2, "communication": 3.6, "understanding": 2.9, "tangibles": 4.1},
    "SAL": {"competence": 3.7, "accessibility": 3.4, "courtesy": 3.8, "reliability": 2.8, "security": 3.3,
            "responsibility": 3.0, "communication": 3.0, "understanding": 3.9, "tangibles": 3.4},
    "PRD": {"competence": 4.0, "accessibility": 3.0, "courtesy": 3.3, "reliability": 3.6, "security": 3.8,
            "responsibility": 3.7, "communication": 2.7, "understanding": 3.1, "tangibles": 3.6},
    "LOG": {"competence": 3.6, "accessibility": 3.1, "courtesy": 3.5, "reliability": 3.3, "security": 3.6,
            "responsibility": 3.4, "communication": 3.0, "understanding": 3.2, "tangibles": 3.0},
}
SUPPORT_RESPONSIBILITY = (2.4, 3.3, 4.2, 4.3)  # per round: Support takes ownership of its cases
SALES_ON_FINANCE_LOW = {"accessibility": 1.5, "communication": 1.6}
SALES_ON_FINANCE_REST = 3.0
# Self-assessments that differ from the usual "a little better than the others think".
SELF = {("IT", "understanding"): (4.7, 0.5), ("HR", "competence"): (2.6, 0.6)}
# The company as its external clients see it.
COMPANY = {"competence": 3.8, "accessibility": 2.5, "courtesy": 3.6, "reliability": 2.9, "security": 3.9,
           "responsibility": 3.3, "communication": 2.7, "understanding": 3.3, "tangibles": 3.5}
CANT_JUDGE_CHANCE = {"tangibles": 0.2, "security": 0.2}  # service ballots; others 0.03
COMMENT_CHANCE = 0.15
COMMENTS = {
    "FIN": [
        "Expense approvals take two weeks; our customers wait for discounts we already promised.",
        "Hard to reach anyone in Finance before noon, and the shared mailbox rarely answers.",
        "When an invoice is disputed we hear about it from the customer, not from Finance.",
        "Very careful with the numbers: nothing slips through.",
        "Please tell us why a request was rejected, not just that it was.",
        "The budget forms change every quarter without notice.",
        "Quick and helpful once you finally get someone on the phone.",
        "Approval of a simple credit note took three reminders.",
    ],
    "IT": [
        "The ticket queue is a black hole: no status for days, then the ticket is closed.",
        "They fix what they think is wrong, not what we asked for.",
        "Laptop replacements arrive quickly and fully set up.",
        "The security training was short and useful, thank you.",
        "Nobody from IT has ever sat with us to see how we actually use the CRM.",
        "Great when something is on fire; routine requests wait for weeks.",
        "Please ask before changing the tools we use with customers every day.",
        "Password resets are instant now, a big improvement.",
    ],
    "SUP": [
        "Always polite with our customers, even the difficult ones.",
        "Support knows the products better than some of us do.",
    ],
    "HR": [
        "Onboarding for new hires is well organised.",
        "Holiday requests are approved quickly.",
        "Job postings take too long to go out; we lose good candidates.",
        "The rules for the training budget are unclear.",
    ],
    "MKT": [
        "Trade fair materials arrive at the last minute.",
        "Good brochures, but they don't always match what we actually sell.",
        "Marketing listens to what customers tell us.",
    ],
    "SAL": [
        "Sales promises delivery dates without asking us first.",
        "Orders come in with missing details and we chase them by phone.",
        "Good early warning about big deals coming in.",
    ],
    "PRD": [
        "Production plans change at short notice and nobody tells us.",
        "Quality has been excellent this year.",
    ],
    "LOG": [
        "Shipments are well tracked; customers get their tracking links.",
        "Returns take too long to process.",
        "The warehouse is hard to reach after four.",
    ],
}
SUPPORT_HANDOVERS = (  # per round, how Support's handovers are talked about
    ["Customer handovers get lost between shifts; we ask the customer for everything again.",
     "Escalations bounce back to us with no owner.",
     "Friendly people, but nobody owns a case from start to end."],
    ["Handovers are better since the shared checklist, with some gaps at weekends.",
     "Case owners are now named on the ticket, which helps a lot."],
    ["Every case we pass on now has an owner and a follow-up date.",
     "Support closes the loop with us after talking to the customer. A big change from last year.",
     "Handovers are clean; I can't remember the last lost case."],
    ["Handovers keep working well."],
)


def load_rating_demo() -> int:
    """Add the demo rounds that are missing (by name); returns how many were added.

    Commits as it goes: ballots are folded only from committed submissions, as in the app.
    """
    facilitator = db.session.scalar(sa.select(User).where(User.email == FACILITATOR))
    departments = {d.code: d for d in db.session.scalars(
        sa.select(Department).where(Department.code.in_(CODES)))}
    if facilitator is None or len(departments) < len(CODES):
        return 0
    existing = set(db.session.scalars(sa.select(Round.name)))
    rng = random.Random(SEED)
    seeds = [rng.getrandbits(64) for _ in ROUNDS]  # each round the same whichever others exist already
    code_of = {d.id: code for code, d in departments.items()}
    teams: dict[str, list[tuple[int, User]]] = defaultdict(list)  # ids read now: commits expire objects
    for person in db.session.scalars(sa.select(User).where(
            User.active, User.department_id.in_(list(code_of))).order_by(User.email)):
        teams[code_of[person.department_id]].append((person.id, person))
    held_back = db.session.scalar(sa.select(User.id).where(User.email == HELD_BACK))
    added = 0
    for index, ((name, opens_on, closes_on), seed) in enumerate(zip(ROUNDS, seeds, strict=True)):
        if name in existing:
            continue
        if opens_on is None:
            opens_on, closes_on = _open_round_dates()
        round_ = services.save_round(facilitator, None, name, opens_on, closes_on, THRESHOLD,
                                     [departments[code] for code in CODES])
        services.open_round(facilitator, round_)
        db.session.commit()
        is_open = index == len(ROUNDS) - 1
        _answer(round_, index, teams, code_of, random.Random(seed), held_back if is_open else None)
        if not is_open:
            services.close_round(facilitator, round_)
            db.session.commit()
            services.publish_round(facilitator, round_)
            db.session.commit()
        added += 1
    if added:
        erase_deleted_rows()
    if SELF_RUNNING not in existing:
        today = utcnow().date()
        services.save_round(facilitator, None, SELF_RUNNING, today, today + timedelta(days=SELF_RUNNING_DAYS),
                            THRESHOLD, [departments[code] for code in CODES], publish_when_closed=True)
        db.session.commit()
        added += 1
    return added


def _answer(round_: Round, index: int, teams: dict[str, list[tuple[int, User]]], code_of: dict[int, str],
            rng: random.Random, held_back: int | None) -> None:
    """People answer their lists: most rate most targets, some skip, some leave targets undone.

    In the open round (`held_back` given) about a third have started, and `held_back` has not.
    """
    is_open = held_back is not None
    dimensions = [(rd.dimension_id, rd.dimension.key) for rd in round_.dimensions]
    drift = defaultdict(lambda: rng.uniform(-0.15, 0.15))  # (department, dimension): this round's mood
    comments = {code: rng.sample(texts, min(len(texts), 4)) for code, texts in COMMENTS.items()}
    comments["SUP"] = SUPPORT_HANDOVERS[index] + comments["SUP"]
    quiet = set()  # Spring 2025 was peak season in Logistics: only three of them took part
    if index == 0:
        logistics = [person_id for person_id, _person in teams["LOG"]]
        quiet = set(logistics) - set(rng.sample(logistics, min(3, len(logistics))))
    for code in CODES:
        for person_id, person in teams[code]:
            if person_id in quiet or (is_open and (person_id == held_back or rng.random() > 0.35)):
                continue
            engaged = rng.random() < (0.4 if is_open else 0.9)  # in the open round: finishing today
            answer, skip = (0.88, 0.06) if engaged else (0.4, 0.1) if is_open else (0.35, 0.15)
            for target in services.targets_for(person, round_):
                provider = code_of[target.department.id] if target.department else code
                draw = rng.random()
                if (code, provider) == ("SAL", "FIN") and not is_open:
                    draw = skip  # Sales has strong views on Finance: every one of them answers
                if draw < skip:
                    services.skip(person, round_, target)
                elif draw < skip + answer:
                    scores = {dimension_id: _score(rng, index, code, target.kind, provider, key, drift)
                              for dimension_id, key in dimensions}
                    comment = ""
                    if target.kind == "service" and comments.get(provider) and rng.random() < COMMENT_CHANCE:
                        comment = comments[provider].pop(0)
                    services.submit(person, round_, target, scores, comment)
        db.session.commit()


def _score(rng: random.Random, index: int, rater: str, kind: str, provider: str, key: str,
           drift: dict) -> int:
    """One person's score on one dimension, or CANT_JUDGE."""
    chance = CANT_JUDGE_CHANCE.get(key, 0.03) if kind == "service" else 0.15 if key == "tangibles" else 0.02
    if rng.random() < chance and (rater, provider) != ("SAL", "FIN"):
        return CANT_JUDGE
    spread = 0.8
    if kind == "company":
        mean = COMPANY.get(key, DEFAULT_MEAN)
    else:
        mean = SERVICE.get(provider, {}).get(key, DEFAULT_MEAN) + drift[(provider, key)]
        if (provider, key) == ("SUP", "responsibility"):
            mean = SUPPORT_RESPONSIBILITY[index]
        if kind == "self":
            mean, spread = SELF.get((provider, key), (min(4.6, mean + 0.4), 0.6))
        elif (rater, provider) == ("SAL", "FIN"):
            mean, spread = (SALES_ON_FINANCE_LOW[key], 0.5) if key in SALES_ON_FINANCE_LOW \
                else (SALES_ON_FINANCE_REST, 0.7)
    return min(5, max(1, round(rng.gauss(mean, spread))))
