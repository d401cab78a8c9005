"""Builds a synthetic company for the benchmarks, through the app's own services and storage paths.

    python -m bench.generate small|large DATABASE_URL

Departments, people, the service map, rounds, metrics, projects and a workshop go through the services
(or, for the many plain rows, bulk inserts of exactly the rows the services would write). Published
rounds are the one shortcut: their counters are written as the fold would leave them (one Tally row per
round × rater department × target × dimension × score, one BallotCount per group, comments without
author) and then closed and published by the real services, which also pool the small groups. Replaying
a million ballots one by one through the buffer would take an hour and end in the same tables.
A seeded random generator makes every run build the same company.
"""
from __future__ import annotations

import random
import secrets
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import User, department_heads
from app.auth.passwords import hash_password
from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.metrics.services import SUGGESTED, add_suggested
from app.org.models import Department, ServiceLink
from app.projects import services as projects
from app.projects.models import RootCause
from app.ratings import services as ratings
from app.ratings.models import CANT_JUDGE, BallotCount, Comment, Completion, Round, Tally
from app.workshops import services as workshops

PASSWORD = "bench-password-1"
SEED = 6


@dataclass(frozen=True)
class Size:
    departments: int
    people: int
    published_rounds: int
    providers: int  # departments serving each department on the service map
    projects: int
    reading_days: int = 730  # readings for two years
    reading_every: int = 1  # days between readings
    # Readings that wander (a random walk: its history explains none of it, so "did it move?" can't tell),
    # or stay around a level (every started project's history forecasts its readings since).
    steady_readings: bool = False
    workshop_participants: int = 50
    workshop_cards: int = 60


SIZES = {
    "small": Size(departments=20, people=500, published_rounds=4, providers=5, projects=50),
    "large": Size(departments=200, people=20_000, published_rounds=8, providers=10, projects=500),
}
TODAY = date.today()


def _people(size: Size, rng: random.Random, departments: list[Department]) -> dict[int, list[int]]:
    """Department sizes vary (a few very small ones, so pooling and "not enough responses" happen)."""
    weights = [rng.choice((0.04, 1, 1, 1, 2, 3)) for _ in departments]
    total = sum(weights)
    counts = [max(2, round(size.people * w / total)) for w in weights]
    counts[-1] = max(2, counts[-1] + size.people - sum(counts))  # rounding may leave the last too few
    password_hash = hash_password(PASSWORD)  # one hash for all, as the demo does
    rows = []
    for department, n in zip(departments, counts, strict=True):
        for i in range(n):
            rows.append({"email": f"{department.code.lower()}.{i}@bench.example",
                         "name": f"{department.name} {i}", "department_id": department.id,
                         "password_hash": password_hash})
    rows += [
        {"email": "admin@bench.example", "name": "Bench Admin", "department_id": None,
         "password_hash": password_hash, "is_admin": True},
        {"email": "facilitator@bench.example", "name": "Bench Facilitator",
         "department_id": departments[0].id, "password_hash": password_hash, "is_facilitator": True},
    ]
    db.session.execute(sa.insert(User), rows)
    members: dict[int, list[int]] = defaultdict(list)
    for user_id, department_id in db.session.execute(sa.select(User.id, User.department_id)
                                                     .where(User.department_id.is_not(None))):
        members[department_id].append(user_id)
    # The first person of each department is its head.
    db.session.execute(sa.insert(department_heads), [
        {"department_id": d, "user_id": min(ids)} for d, ids in members.items()])
    return members


def _organisation(size: Size, rng: random.Random) -> tuple[list[Department], dict[int, list[int]]]:
    seed_default_dimensions()
    departments = [Department(name=f"Department {i:03d}", code=f"D{i:03d}") for i in range(size.departments)]
    db.session.add_all(departments)
    db.session.flush()
    links = []
    for client in departments:
        providers = rng.sample([d for d in departments if d is not client], size.providers)
        links += [{"provider_id": p.id, "client_id": client.id} for p in providers]
    db.session.execute(sa.insert(ServiceLink), links)
    return departments, _people(size, rng, departments)


def _round(facilitator: User, departments: list[Department], name: str, opens_on: date) -> Round:
    closes_on = opens_on + timedelta(days=20)
    round_ = ratings.save_round(facilitator, None, name, opens_on, closes_on, 5, departments)
    ratings.open_round(facilitator, round_)
    return round_


def _ballots(rng: random.Random, n: int, means: list[float]) -> list[list[int]]:
    """n ballots, one score per dimension (0 = can't judge) around each dimension's mean."""
    columns = []
    for mean in means:
        weights = [0.04] + [max(0.02, 1.2 - abs(score - mean)) for score in range(1, 6)]
        columns.append(rng.choices(range(6), weights=weights, k=n))
    return [list(row) for row in zip(*columns, strict=True)]


def _published_round(rng: random.Random, facilitator: User, departments: list[Department],
                     members: dict[int, list[int]], providers: dict[int, list[int]], name: str,
                     opens_on: date) -> None:
    round_ = _round(facilitator, departments, name, opens_on)
    dimensions = [rd.dimension_id for rd in round_.dimensions]
    level = {d.id: [rng.uniform(2.2, 4.4) for _ in dimensions] for d in departments}
    tallies: Counter = Counter()
    counts = []
    comments = []
    for rater in departments:
        people = len(members[rater.id])
        groups = [("service", t) for t in providers[rater.id]] + [("self", rater.id), ("company", rater.id)]
        for kind, target in groups:
            n = sum(rng.random() < 0.75 for _ in range(people))  # about three in four answer
            if n == 0:
                continue
            means = [m + (0.4 if kind == "self" else 0) for m in level[target]]
            judged, overall = 0, 0.0
            for ballot in _ballots(rng, n, means):
                for dimension, score in zip(dimensions, ballot, strict=True):
                    tallies[(rater.id, kind, target, dimension, score)] += 1
                scores = [s for s in ballot if s != CANT_JUDGE]
                if scores:
                    judged += 1
                    overall += sum(scores) / len(scores)
                if kind == "service" and rng.random() < 0.05:
                    comments.append({"id": secrets.token_hex(16), "round_id": round_.id,
                                     "target_department_id": target,
                                     "text": f"Comment {rng.randrange(10**6)} on the service."})
            counts.append({"round_id": round_.id, "rater_department_id": rater.id, "target_kind": kind,
                           "target_department_id": target, "ballots": n, "judged": judged,
                           "overall_sum": overall})
    db.session.execute(sa.insert(Tally), [
        {"round_id": round_.id, "rater_department_id": r, "target_kind": k, "target_department_id": t,
         "dimension_id": d, "score": s, "count": c} for (r, k, t, d, s), c in tallies.items()])
    db.session.execute(sa.insert(BallotCount), counts)
    if comments:
        db.session.execute(sa.insert(Comment), comments)
    ratings.close_round(facilitator, round_)
    # Nobody's participation was recorded (the ballots skipped the buffer): mark three in four done.
    db.session.execute(sa.update(Completion).where(Completion.round_id == round_.id,
                                                   Completion.user_id % 4 != 0)
                       .values(done=Completion.expected))
    ratings.publish_round(facilitator, round_)


def _metrics(rng: random.Random, size: Size, admin: User, departments: list[Department]) -> list[Metric]:
    metrics = add_suggested(admin, [s.key for s in SUGGESTED], departments[1])
    rows = []
    for metric in metrics:
        level = value = rng.uniform(20, 60)
        for day in range(size.reading_days, 0, -size.reading_every):
            value = level + rng.gauss(0, 2) if size.steady_readings else max(5.0, value + rng.gauss(0, 0.6))
            rows.append({"metric_id": metric.id, "taken_on": TODAY - timedelta(days=day),
                         "value": round(value, 2), "note": ""})
    db.session.execute(sa.insert(Reading), rows)
    return metrics


def _projects(rng: random.Random, size: Size, members: dict[int, list[int]], departments: list[Department],
              metrics: list[Metric], latest: Round) -> None:
    causes = list(db.session.scalars(sa.select(RootCause)))
    dimensions = ordered(include_retired=False)
    for i in range(size.projects):
        owner, other = rng.sample(departments, 2)
        lead = db.session.get(User, members[owner.id][0])
        metric = rng.choice(metrics)
        source = projects.weak_spot(latest, owner, rng.choice(dimensions)) if i % 2 == 0 else None
        project = projects.save_project(lead, None, projects.ProjectData(
            title=f"Project {i}", owner_department=owner, departments=[other], lead=lead,
            problem="What the clients feel.",
            root_cause=rng.choice(causes), metric=metric, source=source,
            target_value=None, target_date=None))
        if i % 5 == 4:
            continue  # stays proposed
        start = TODAY - timedelta(days=rng.randrange(30, 300))
        baseline, _readings = projects.compute_baseline(metric, start)
        project.target_value = baseline * (1.2 if metric.direction == "higher" else 0.8)
        project.target_date = start + timedelta(days=180)
        projects.move(lead, project, "start", on=start)
        for week in range(3):
            projects.add_check_in(lead, project, start + timedelta(days=7 * (week + 1)), "Worked on it.",
                                  rng.choice(("on_track", "at_risk", "off_track")))


def _workshop(rng: random.Random, size: Size, facilitator: User, departments: list[Department],
              members: dict[int, list[int]], latest: Round) -> None:
    taking_part = [d for d in departments if len(members[d.id]) >= 10][:5]
    people = [db.session.get(User, user_id) for d in taking_part
              for user_id in members[d.id][:size.workshop_participants // len(taking_part)]]
    workshop = workshops.save_workshop(facilitator, None, "Bench workshop", TODAY, latest, taking_part,
                                       people, 3, anonymous_cards=True, balanced_votes=True)
    workshops.move_phase(facilitator, workshop, +1)  # review
    workshops.move_phase(facilitator, workshop, +1)  # collect
    dimensions = ordered(include_retired=False)
    causes = list(db.session.scalars(sa.select(RootCause)))
    cards = [workshops.add_card(rng.choice(people), workshop, f"Problem card {i}", rng.choice(dimensions),
                                rng.choice(causes)) for i in range(size.workshop_cards)]
    workshops.move_phase(facilitator, workshop, +1)  # group
    for group in range(0, 12, 3):
        workshops.merge_cards(facilitator, cards[group], cards[group + 1:group + 3])
    workshops.move_phase(facilitator, workshop, +1)  # vote
    votable = [c for c in cards if c.merged_into_id is None]
    for person in people[: len(people) // 2]:  # half have voted: the board shows progress
        for card in rng.sample(votable, 3):
            workshops.vote(person, card)


def generate(size: Size) -> dict:
    """Fill the (migrated, empty) database of the current app; returns what was built."""
    rng = random.Random(SEED)
    started = time.perf_counter()
    departments, members = _organisation(size, rng)
    facilitator = db.session.scalar(sa.select(User).where(User.email == "facilitator@bench.example"))
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@bench.example"))
    providers: dict[int, list[int]] = defaultdict(list)
    for provider, client in db.session.execute(sa.select(ServiceLink.provider_id, ServiceLink.client_id)):
        providers[client].append(provider)
    first = TODAY - timedelta(days=180 * size.published_rounds + 60)
    for i in range(size.published_rounds):
        _published_round(rng, facilitator, departments, members, providers, f"Round {i + 1}",
                         first + timedelta(days=180 * i))
        db.session.commit()
    latest = db.session.scalar(sa.select(Round).where(Round.state == "published").order_by(Round.id.desc()))
    metrics = _metrics(rng, size, admin, departments)
    db.session.commit()
    _projects(rng, size, members, departments, metrics, latest)
    db.session.commit()
    _workshop(rng, size, facilitator, departments, members, latest)
    _round(facilitator, departments, "Open round", TODAY - timedelta(days=5))
    db.session.commit()
    return {"seconds": round(time.perf_counter() - started, 1),
            "users": sum(len(v) for v in members.values()) + 1,
            "tallies": db.session.scalar(sa.select(sa.func.count()).select_from(Tally)),
            "readings": db.session.scalar(sa.select(sa.func.count()).select_from(Reading))}


def main() -> None:
    from flask_migrate import upgrade

    from bench.servers import make_app

    size_name, url = sys.argv[1], sys.argv[2]
    app = make_app(url)
    with app.app_context():
        upgrade(directory="migrations")
        print({"size": size_name, **generate(SIZES[size_name])})
        if db.engine.dialect.name == "postgresql":  # as autovacuum would soon: the planner needs statistics
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


if __name__ == "__main__":
    main()
