"""The demo company that `flask demo` loads: the data in app/demo.toml, put in through the services.

Everything goes through the services, exactly as people's actions would: nothing here writes a counter, a
comment or a pending ballot itself. Seeded random generators make the demo the same every time, and every
part adds only what is missing (matched by name or title), so it is safe to load again.
"""
import math
import random
import tomllib
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.agreements import services as agreements
from app.agreements.models import Agreement
from app.auth.models import User
from app.auth.passwords import hash_password
from app.complaints import services as complaints
from app.complaints.models import ComplaintCategory
from app.database import erase_deleted_rows
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.metrics import services as metrics
from app.metrics.models import Metric, Reading
from app.notices.models import Notice
from app.org.models import Department, ServiceLink
from app.projects import services as projects
from app.projects.models import Project, RootCause
from app.ratings import services as ratings
from app.ratings.models import CANT_JUDGE, Round
from app.reports.results import published_rounds
from app.time import utcnow
from app.workshops import services as workshops
from app.workshops.models import Workshop

DEMO = tomllib.loads((Path(__file__).parent / "demo.toml").read_text(encoding="utf-8"))
DEMO_PASSWORD = DEMO["password"]
CODES = list(DEMO["departments"])
RATINGS = DEMO["ratings"]
SERVICE = {code: dict(zip(RATINGS["dimensions"], means, strict=True))
           for code, means in RATINGS["service"].items()}
COMPANY = dict(zip(RATINGS["dimensions"], RATINGS["company"], strict=True))
AGREEMENT = DEMO["agreement"]


def _one(model, where):
    return db.session.scalar(sa.select(model).where(where))


def _departments(codes: list[str]) -> list[Department]:
    return [d for code in codes if (d := _one(Department, Department.code == code))]


def load_demo() -> list[tuple[str, str]]:
    """Add whatever of the demo company is missing; returns (role, e-mail) of the sign-ins to print."""
    seed_default_dimensions()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: the demo loads in a second
    by_code = {}
    for code, (name, _slug) in DEMO["departments"].items():
        department = _one(Department, Department.code == code)
        if department is None:
            department = Department(code=code, name=name)
            db.session.add(department)
        by_code[code] = department
    db.session.flush()
    existing = set(db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id)).tuples())
    for provider, clients in DEMO["service_map"].items():
        for client in clients:
            key = (by_code[provider].id, by_code[client].id)
            if key not in existing:
                db.session.add(ServiceLink(provider_id=key[0], client_id=key[1]))

    def person(email: str, name: str, department: Department | None, **roles) -> User:
        user = _one(User, User.email == email)
        if user is None:
            user = User(email=email, name=name, department=department, password_hash=password_hash, **roles)
            db.session.add(user)
        return user

    person("admin@example.com", "Alex Admin", None, is_admin=True)
    person(DEMO["facilitator"], "Fiona Facilitator", by_code["HR"], is_facilitator=True)
    first, last, n = DEMO["first_names"], DEMO["last_names"], 0
    for code, (_name, slug) in DEMO["departments"].items():
        department = by_code[code]
        head = person(f"head.{slug}@example.com", f"{first[n % 20]} {last[n % 16]}", department)
        n += 1
        if head not in department.heads:
            department.heads.append(head)
        for i in range(1, DEMO["people_per_department"] + 1):
            email = "employee.sales@example.com" if (code, i) == ("SAL", 1) else \
                f"{code.lower()}.{i}@example.com"
            person(email, f"{first[(n * 7) % 20]} {last[(n * 5) % 16]}", department)
            n += 1
    db.session.flush()
    told_before = db.session.scalar(sa.select(sa.func.max(Notice.id))) or 0
    load_metrics()  # before the rounds: the agreement a round asks about serves a metric
    load_rounds()
    # The demo's past is no news: only what happens from now on (the draft the tick opens) is told.
    db.session.execute(sa.delete(Notice).where(Notice.id > told_before))
    load_client_survey()
    load_complaints()
    load_projects()
    load_workshops()
    return [tuple(sign_in) for sign_in in DEMO["sign_ins"]]


# Rating rounds -----------------------------------------------------------------------------------

def load_rounds() -> int:
    """Add the demo rounds that are missing (by name); returns how many were added.

    Commits as it goes: ballots are folded only from committed submissions, as in the app.
    """
    facilitator = _one(User, User.email == DEMO["facilitator"])
    departments = {d.code: d for d in db.session.scalars(
        sa.select(Department).where(Department.code.in_(CODES)))}
    if facilitator is None or len(departments) < len(CODES):
        return 0
    existing = set(db.session.scalars(sa.select(Round.name)))
    rounds = RATINGS["rounds"]
    rng = random.Random(RATINGS["seed"])
    seeds = [rng.getrandbits(64) for _ in rounds]  # each round the same whichever others exist already
    code_of = {d.id: code for code, d in departments.items()}
    teams: dict[str, list[tuple[int, User]]] = defaultdict(list)  # ids read now: commits expire objects
    for person in db.session.scalars(sa.select(User).where(
            User.active, User.department_id.in_(list(code_of))).order_by(User.email)):
        teams[code_of[person.department_id]].append((person.id, person))
    held_back = db.session.scalar(sa.select(User.id).where(User.email == RATINGS["held_back"]))
    every_department = [departments[code] for code in CODES]
    added = 0
    for index, (spec, seed) in enumerate(zip(rounds, seeds, strict=True)):
        if spec["name"] in existing:
            continue
        if spec["name"] == AGREEMENT["asked_from"]:
            _agree(departments)
        is_open = index == len(rounds) - 1
        # The open round is relative to today, so it is open whenever the demo is loaded.
        opens_on, closes_on = (date.today() - timedelta(days=12), date.today() + timedelta(days=16)) \
            if is_open else (spec["opens"], spec["closes"])
        round_ = ratings.save_round(facilitator, None, spec["name"], opens_on, closes_on,
                                    RATINGS["threshold"], every_department)
        ratings.open_round(facilitator, round_)
        db.session.commit()
        _answer(round_, index, teams, code_of, random.Random(seed), held_back if is_open else None)
        if not is_open:
            ratings.close_round(facilitator, round_)
            db.session.commit()
            ratings.publish_round(facilitator, round_)
            db.session.commit()
        added += 1
    if added:
        erase_deleted_rows()
    draft = RATINGS["self_running"]
    if draft["name"] not in existing:
        today = utcnow().date()
        ratings.save_round(facilitator, None, draft["name"], today, today + timedelta(days=draft["days"]),
                           RATINGS["threshold"], every_department, publish_when_closed=True)
        db.session.commit()
        added += 1
    return added


def _agree(departments: dict[str, Department]) -> None:
    """The demo's agreement, unless its two departments have one: drafted by the provider's head, confirmed
    by the receiver's, before the round that first asks about it."""
    provider, receiver = departments[AGREEMENT["provider"]], departments[AGREEMENT["receiver"]]
    if _one(Agreement, sa.and_(Agreement.provider_id == provider.id, Agreement.receiver_id == receiver.id)):
        return
    dimensions = {d.key: d for d in db.session.scalars(sa.select(Dimension))}
    metrics_by_name = {m.name: m for m in db.session.scalars(sa.select(Metric))}
    agreement = agreements.draft(provider.heads[0], provider, receiver, [
        agreements.PromiseData(p["text"], dimensions[p["dimension"]], metrics_by_name[p["metric"]])
        for p in AGREEMENT["promises"]])
    agreements.confirm(receiver.heads[0], agreement)
    db.session.commit()


def _answer(round_: Round, index: int, teams: dict[str, list[tuple[int, User]]], code_of: dict[int, str],
            rng: random.Random, held_back: int | None) -> None:
    """People answer their lists: most rate most targets, some skip, some leave targets undone.

    In the open round (`held_back` given) about a third have started, and `held_back` has not.
    """
    is_open = held_back is not None
    dimensions = [(rd.dimension_id, rd.dimension.key) for rd in round_.dimensions]
    kept_rng = random.Random(AGREEMENT["seed"] + index)  # apart: the scores stay what they were before it
    drift = defaultdict(lambda: rng.uniform(-0.15, 0.15))  # (department, dimension): this round's mood
    comments = {code: rng.sample(texts, min(len(texts), 4)) for code, texts in RATINGS["comments"].items()}
    comments["SUP"] = RATINGS["support_handovers"][index] + comments["SUP"]
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
            for target in ratings.targets_for(person, round_):
                provider = code_of[target.department.id] if target.department else code
                draw = rng.random()
                if (code, provider) == ("SAL", "FIN") and not is_open:
                    draw = skip  # Sales has strong views on Finance: every one of them answers
                if draw < skip:
                    ratings.skip(person, round_, target)
                elif draw < skip + answer:
                    scores = {dimension_id: _score(rng, index, code, target.kind, provider, key, drift)
                              for dimension_id, key in dimensions}
                    comment = ""
                    if target.kind == "service" and comments.get(provider) \
                            and rng.random() < RATINGS["comment_chance"]:
                        comment = comments[provider].pop(0)
                    asked = ratings.asked_promises(person, target)
                    kept = {p.id: kept_rng.choices(ratings.KEPT, AGREEMENT["promises"][i]["kept"])[0]
                            for i, p in enumerate(asked)}
                    ratings.submit(person, round_, target, scores, comment, kept)
        db.session.commit()


def _score(rng: random.Random, index: int, rater: str, kind: str, provider: str, key: str,
           drift: dict) -> int:
    """One person's score on one dimension, or CANT_JUDGE."""
    chance = RATINGS["cant_judge_chance"].get(key, 0.03) if kind == "service" \
        else 0.15 if key == "tangibles" else 0.02
    if rng.random() < chance and (rater, provider) != ("SAL", "FIN"):
        return CANT_JUDGE
    spread = 0.8
    if kind == "company":
        mean = COMPANY.get(key, RATINGS["default_mean"])
    else:
        mean = SERVICE.get(provider, {}).get(key, RATINGS["default_mean"]) + drift[(provider, key)]
        if (provider, key) == ("SUP", "responsibility"):
            mean = RATINGS["support_responsibility"][index]
        if kind == "self":
            mean, spread = RATINGS["self"].get(provider, {}).get(key, (min(4.6, mean + 0.4), 0.6))
        elif (rater, provider) == ("SAL", "FIN"):
            low = RATINGS["sales_on_finance_low"]
            mean, spread = (low[key], 0.5) if key in low else (RATINGS["sales_on_finance_rest"], 0.7)
    return min(5, max(1, round(rng.gauss(mean, spread))))


# Metrics -----------------------------------------------------------------------------------------

def _level(start: date, day: date, series: dict) -> float:
    level = series["start"] + series["per_year"] * (day - start).days / 365
    if "turn" in series and day >= series["turn"]:
        # an S-shaped climb to the new level over about a year after the turn
        t = min((day - series["turn"]).days / 365, 1.0)
        level += (series["after_a_year"] - series["start"]) * (1 - math.cos(math.pi * t)) / 2
    if "season" in series:  # highest in the middle of the peak month, lowest six months later
        peak = date(day.year, series["peak"], 15)
        level += series["season"] * math.cos(2 * math.pi * (day - peak).days / 365.25)
    return level


def _dates(start: date, end: date, weekly: bool) -> list[date]:
    if weekly:
        first = start + timedelta(days=(6 - start.weekday()) % 7)  # Sundays
        return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    days, year, month = [], start.year, start.month
    while True:  # the last day of each month
        month_end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if month_end > end:
            return days
        if month_end >= start:
            days.append(month_end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def load_metrics() -> int:
    """Add the suggested metrics that are missing and some years of readings up to today, with the departments
    that drive them (once the demo company is there); returns readings written. Idempotent: metrics are
    matched by name, readings upserted by (metric, date)."""
    rng = random.Random(DEMO["metrics"]["seed"])
    facilitator = _one(User, User.email == DEMO["facilitator"])
    by_code = {d.code: d for d in db.session.scalars(sa.select(Department))}
    end = utcnow().date()
    start = end - timedelta(days=365 * DEMO["metrics"]["years"])
    written = 0
    for suggestion in metrics.suggested_metrics():
        series = DEMO["metrics"]["series"][suggestion.key]
        name = str(suggestion.name)
        metric = _one(Metric, sa.func.lower(Metric.name) == name.lower())
        if metric is None:
            metric = Metric(name=name, description=str(suggestion.description), unit=str(suggestion.unit),
                            direction=suggestion.direction, owner_department=by_code.get(series["owner"]))
            db.session.add(metric)
            db.session.flush()
        if "drivers" in series and facilitator is not None:
            metrics.set_drivers(facilitator, metric,
                                [d for code in series["drivers"] if (d := by_code.get(code))])
        existing = {r.taken_on: r for r in db.session.scalars(
            sa.select(Reading).where(Reading.metric_id == metric.id))}
        for day in _dates(start, end, series["weekly"]):
            value = max(0.0, round(_level(start, day, series) + rng.gauss(0, series["noise"]), 2))
            reading = existing.get(day)
            if reading is None:
                db.session.add(Reading(metric_id=metric.id, taken_on=day, value=value))
            else:
                reading.value = value
            written += 1
    db.session.flush()
    return written


def load_client_survey() -> int:
    """The demo's client survey: a metric whose readings carry a service dimension each (the external mirror);
    returns readings written. Idempotent: the metric matched by name, readings upserted by date."""
    spec = DEMO["client_survey"]
    rng = random.Random(spec["seed"])
    metric = _one(Metric, Metric.name == spec["name"])
    if metric is None:
        metric = Metric(name=spec["name"], description=spec["description"], unit="points (1–5)",
                        direction="higher",
                        owner_department=_one(Department, Department.code == spec["owner"]))
        db.session.add(metric)
        db.session.flush()
    dimensions = [(_one(Dimension, Dimension.key == key), mean) for key, mean in spec["means"].items()]
    existing = {r.taken_on: r for r in db.session.scalars(
        sa.select(Reading).where(Reading.metric_id == metric.id))}
    today = utcnow().date()
    for n in range(spec["days"]):
        day = today - timedelta(days=n)
        dimension, mean = dimensions[day.toordinal() % len(dimensions)]
        value = min(5.0, max(1.0, round(rng.gauss(mean, spec["noise"]), 2)))
        reading = existing.get(day) or Reading(metric_id=metric.id, taken_on=day)
        reading.value, reading.dimension_id = value, dimension.id
        db.session.add(reading)
    db.session.flush()
    return spec["days"]


# Complaints --------------------------------------------------------------------------------------

def load_complaints() -> int:
    """Map the demo's complaint categories and import its complaints for Customer Support through the
    services; returns how many were added. Idempotent: categories matched by name, complaints by their id."""
    spec = DEMO["complaints"]
    admin = _one(User, User.email == "admin@example.com")
    facilitator = _one(User, User.email == DEMO["facilitator"])
    if admin is None or facilitator is None or _one(Department, Department.code == "SUP") is None:
        return 0
    rng = random.Random(spec["seed"])
    items = []
    for name, (dimension_key, cause_key, per_week) in spec["categories"].items():
        if _one(ComplaintCategory, ComplaintCategory.name == name) is None:
            complaints.save_category(admin, None, name, _one(Dimension, Dimension.key == dimension_key),
                                     _one(RootCause, RootCause.key == cause_key))
        day = spec["start"]
        while day <= spec["end"]:
            for n in range(_poisson(rng, per_week / 7)):
                items.append({"date": day.isoformat(), "category": name, "department": "SUP",
                              "id": f"DEMO-{name[:8]}-{day.isoformat()}-{n}"})
            day += timedelta(days=1)
    return complaints.import_complaints(facilitator, complaints.parse_complaint_items(items))


def _poisson(rng: random.Random, mean: float) -> int:
    """How many happen on a day with this mean (Knuth's method: small means only)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


# Projects ----------------------------------------------------------------------------------------

def load_projects() -> int:
    """Add the demo projects that are missing; returns how many were added. Needs the demo company;
    projects whose metric is missing (no metrics demo) are skipped. Idempotent: matched by title."""
    facilitator = _one(User, User.email == DEMO["facilitator"])
    rounds = published_rounds()
    latest = rounds[-1] if rounds else None
    today = utcnow().date()
    added = 0
    for spec in DEMO["projects"]:
        if _one(Project, Project.title == spec["title"]) is not None:
            continue
        owner_department = _one(Department, Department.code == spec["owner"])
        metric = next((m for name in spec["metrics"] if (m := _one(Metric, Metric.name == name))), None)
        if owner_department is None or metric is None:
            continue
        lead = _one(User, User.email == spec["lead"])
        actor = lead or facilitator
        spot = None
        if "source" in spec and latest is not None:
            department = _one(Department, Department.code == spec["source"][0])
            dimension = _one(Dimension, Dimension.key == spec["source"][1])
            if department in latest.departments and dimension is not None:
                spot = projects.weak_spot(latest, department, dimension)
        project = projects.save_project(actor, None, projects.ProjectData(
            title=spec["title"], owner_department=owner_department,
            departments=_departments(spec["departments"]), problem="", evidence=spec.get("evidence", ""),
            lead=lead, members=owner_department.members[:2],
            root_cause=_one(RootCause, RootCause.key == spec["root_cause"]), metric=metric,
            target_value=spec.get("target"), target_date=spec.get("target_date") or (
                today + timedelta(days=spec["target_in_days"]) if "target_in_days" in spec else None),
            expected_lag_days=spec.get("lag_days"), source=spot))
        # A start relative to today keeps a project within its expected lag whenever the demo is loaded.
        starts = today - timedelta(days=spec["started_days_ago"]) if "started_days_ago" in spec \
            else spec.get("starts")
        if starts is not None:
            try:
                projects.move(actor, project, "start", on=starts)
            except projects.ProjectError:
                continue  # the metric has no readings that far back: leave it proposed
        for on, done, status in spec.get("check_ins", []):
            projects.add_check_in(actor, project, on, done, status)
        if "then" in spec:
            projects.move(actor, project, spec["then"])
        added += 1
    db.session.flush()
    return added


# Workshops ---------------------------------------------------------------------------------------

def _people(emails: list[str]) -> list[User]:
    return [u for email in emails if (u := _one(User, User.email == email)) is not None]


def _their_departments(people: list[User]) -> list[Department]:
    return list({p.department.id: p.department for p in people if p.department is not None}.values())


def load_workshops() -> int:
    """Add the demo workshops that are missing (matched by title); returns how many were added. Needs the
    demo company and its rounds; skips what it cannot build."""
    facilitator = _one(User, User.email == DEMO["facilitator"])
    if facilitator is None:
        return 0
    added = 0
    finished, scheduled = DEMO["workshops"]["finished"], DEMO["workshops"]["scheduled"]
    spring = _one(Round, Round.name == finished["round"])
    if (_one(Workshop, Workshop.title == finished["title"]) is None and spring is not None
            and spring.state == "published"):
        _finished(facilitator, spring, finished)
        added += 1
    autumn = _one(Round, Round.name == scheduled["round"])
    if _one(Workshop, Workshop.title == scheduled["title"]) is None:
        people = _people(scheduled["people"])
        if len(_their_departments(people)) >= 2:
            after = timedelta(days=scheduled["days_after_round"])
            held_on = (autumn.closes_on if autumn else date.today()) + after
            workshops.save_workshop(facilitator, None, scheduled["title"], held_on, autumn,
                                    _their_departments(people), people, 3, False, False)
            added += 1
    db.session.flush()
    return added


def _finished(facilitator: User, round_: Round, spec: dict) -> Workshop:
    """Anonymous cards, groups, balanced dots, minutes and the projects it started."""
    people = _people(spec["people"])
    workshop = workshops.save_workshop(
        facilitator, None, spec["title"], round_.closes_on + timedelta(days=spec["days_after_round"]), round_,
        _their_departments(people), people, 3, True, True)

    def to(phase):
        while workshop.phase != phase:
            workshops.move_phase(facilitator, workshop, 1)

    to("collect")
    cards = [workshops.add_card(people[i % len(people)], workshop, text,
                                _one(Dimension, Dimension.key == dimension),
                                _one(RootCause, RootCause.key == cause))
             for i, (text, dimension, cause, *_into) in enumerate(spec["cards"])]
    to("group")
    for i, (_text, _dimension, _cause, *into) in enumerate(spec["cards"]):
        if into:
            workshops.merge_cards(facilitator, cards[into[0]], [cards[i]])
    to("vote")
    for person, card in spec["dots"]:
        if person < len(people):
            workshops.vote(people[person], cards[card])
    to("projects")
    for project in spec["projects"]:
        workshops.turn_into_project(facilitator, cards[project["card"]],
                                    _one(Department, Department.code == project["owner"]),
                                    _departments(project["departments"]), project["title"])
    to("wrapup")
    return workshop
