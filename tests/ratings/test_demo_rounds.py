"""`flask demo` rating rounds: three published, one open and a draft that opens by itself, with the patterns a
facilitator should spot.

Everything is read as the results pages read it, through the publishing gate (`RoundResults`).
"""
import shutil
from datetime import date

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.chain.services import chain_for
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department
from app.ratings import services
from app.ratings.models import Comment, Participation, PendingBallot, Round, Tally
from app.reports.gate import OVERALL, NotPublished, RoundResults
from app.time import utcnow
from tests.conftest import TEST_DATABASE_URL, app_config, migrate_to_head

PUBLISHED = ["Spring 2025", "Autumn 2025", "Spring 2026"]
OPEN = "Autumn 2026"
DRAFT = "Winter 2026 pulse"
BLIND_SPOT = 4 / 3  # a third of the 1..5 scale


def snapshot() -> dict:
    def rows(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))
    return {"rounds": rows(Round), "tallies": rows(Tally), "comments": rows(Comment),
            "participations": rows(Participation), "pending": rows(PendingBallot)}


@pytest.fixture(scope="module")
def demo(request, tmp_path_factory):
    """The demo loaded twice into a SQLite database of its own, shared by these tests (they only read).

    Loading it takes a few seconds, so it is loaded once here rather than once per test.
    """
    path = tmp_path_factory.mktemp("demo-rounds") / "demo.sqlite"
    if TEST_DATABASE_URL:
        migrate_to_head(f"sqlite:///{path}")
    else:
        shutil.copy(request.getfixturevalue("template_database"), path)
    app = create_app(app_config(f"sqlite:///{path}"))
    runner = app.test_cli_runner()
    runs = []
    with app.app_context():
        for _ in range(2):
            result = runner.invoke(args=["demo"])
            db.session.remove()
            runs.append((result, snapshot()))
        yield runs
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def rounds(demo) -> dict[str, Round]:
    return {r.name: r for r in db.session.scalars(sa.select(Round))}


@pytest.fixture(scope="module")
def dept(demo) -> dict[str, int]:
    return dict(db.session.execute(sa.select(Department.code, Department.id)).tuples().all())


@pytest.fixture(scope="module")
def dim(demo) -> dict[str, int]:
    return dict(db.session.execute(sa.select(Dimension.key, Dimension.id)).tuples().all())


def results(rounds, name) -> RoundResults:
    return RoundResults(rounds[name])


def test_the_demo_loads_once_even_when_run_twice(demo, rounds):
    (first, after_first), (second, after_second) = demo
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert after_first == after_second
    assert sorted(rounds) == sorted(PUBLISHED + [OPEN, DRAFT])
    assert after_first["rounds"] == 5


def test_three_past_rounds_are_published_and_one_is_open_now(rounds):
    today = date.today()
    for name in PUBLISHED:
        assert rounds[name].state == "published"
        assert rounds[name].closes_on < today
        assert rounds[name].threshold == 5
    assert rounds[OPEN].state == "open"
    assert rounds[OPEN].opens_on <= today <= rounds[OPEN].closes_on
    # The tick the README's run command starts beside the server opens it at once, and it publishes itself.
    assert rounds[DRAFT].state == "draft" and rounds[DRAFT].publish_when_closed
    assert rounds[DRAFT].opens_on == utcnow().date() < rounds[DRAFT].closes_on
    for round_ in rounds.values():
        assert sorted(d.code for d in round_.departments) == sorted(
            ["SAL", "MKT", "FIN", "PRD", "LOG", "SUP", "IT", "HR"])


def test_sales_rates_finance_lowest_on_accessibility_and_communication_every_round(rounds, dept, dim):
    for name in PUBLISHED:
        gate = results(rounds, name)
        by_sales = {}
        for key, dimension_id in dim.items():
            cells = {c.rater.code: c.figure for c in gate.breakdown(dept["FIN"], dimension_id) if c.rater}
            by_sales[key] = cells["SAL"].mean
        lowest = sorted(by_sales, key=by_sales.get)[:2]
        assert set(lowest) == {"accessibility", "communication"}, (name, by_sales)
        assert by_sales["accessibility"] < 2.5 and by_sales["communication"] < 2.5
        assert all(2.2 <= by_sales[key] <= 4 for key in by_sales if key not in lowest), by_sales
        # No other department sees Finance as hard to reach as Sales does.
        others = [c.figure.mean for c in gate.breakdown(dept["FIN"], dim["accessibility"])
                  if c.rater is None or c.rater.code != "SAL"]
        assert by_sales["accessibility"] < min(others)


def test_it_has_a_blind_spot_on_understanding_its_clients(rounds, dept, dim):
    gate = results(rounds, PUBLISHED[-1])
    own = gate.total("self", dept["IT"], dim["understanding"])
    others = gate.total("service", dept["IT"], dim["understanding"])
    assert own.mean >= 4.3 and others.mean <= 2.5
    assert own.mean - others.mean > BLIND_SPOT
    # Elsewhere IT's view of itself is close to its clients' view.
    competence = [gate.total(kind, dept["IT"], dim["competence"]).mean for kind in ("self", "service")]
    assert abs(competence[0] - competence[1]) < BLIND_SPOT


def test_customer_support_takes_more_responsibility_round_after_round(rounds, dept, dim):
    means = [results(rounds, name).total("service", dept["SUP"], dim["responsibility"]).mean
             for name in PUBLISHED]
    assert means == sorted(means) and len(set(means)) == 3
    assert means[0] < 2.8 and means[-1] > 3.8


def test_few_logistics_people_took_part_in_the_first_round(rounds, dept):
    first, last = results(rounds, PUBLISHED[0]), results(rounds, PUBLISHED[-1])
    assert first.respondents("self", dept["LOG"]) is None
    assert first.total("self", dept["LOG"], OVERALL) is None  # "not enough responses"
    cells = first.breakdown(dept["HR"], OVERALL)
    assert "LOG" not in {c.rater.code for c in cells if c.rater}
    assert any(c.rater is None for c in cells)  # pooled as "other departments"
    assert last.total("self", dept["LOG"], OVERALL) is not None
    assert "LOG" in {c.rater.code for c in last.breakdown(dept["HR"], OVERALL) if c.rater}


def test_external_clients_see_the_company_weakest_on_accessibility_communication_reliability(rounds, dim):
    for name in PUBLISHED:
        gate = results(rounds, name)
        means = {key: gate.company(dimension_id).mean for key, dimension_id in dim.items()}
        assert set(sorted(means, key=means.get)[:3]) == {"accessibility", "communication", "reliability"}


def test_released_comments_speak_of_approvals_tickets_and_handovers(rounds, dept):
    gate = results(rounds, PUBLISHED[-1])
    finance, it, support = (gate.comments(dept[code]) for code in ("FIN", "IT", "SUP"))
    assert finance and it and support
    first_support = results(rounds, PUBLISHED[0]).comments(dept["SUP"])
    assert any("handover" in text.lower() for text in first_support)
    assert any("handover" in text.lower() or "owner" in text.lower() for text in support)
    everything = [text for gate in (results(rounds, name) for name in PUBLISHED) for code in dept
                  for text in gate.comments(dept[code])]
    assert any("approval" in text.lower() for text in everything)
    assert any("ticket" in text.lower() for text in everything)


def test_people_skip_some_targets_and_cannot_judge_some_dimensions(rounds, dept, dim):
    gate = results(rounds, PUBLISHED[-1])
    tangibles = gate.total("service", dept["FIN"], dim["tangibles"]).n
    courtesy = gate.total("service", dept["FIN"], dim["courtesy"]).n
    assert tangibles < courtesy <= gate.respondents("service", dept["FIN"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tally).where(
        Tally.round_id == rounds[PUBLISHED[-1]].id, Tally.score == 0)) > 0


def test_the_open_round_shows_response_rates_and_no_results(rounds):
    round_ = rounds[OPEN]
    with pytest.raises(NotPublished):
        RoundResults(round_)
    rates = services.response_rates(round_)
    members = sum(r.members for r in rates)
    started = sum(r.started for r in rates)
    assert members * 0.2 <= started <= members * 0.5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingBallot).where(
        PendingBallot.round_id == round_.id)) > 0
    for name in PUBLISHED:  # closed rounds keep no participation and no waiting ballots
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation).where(
            Participation.round_id == rounds[name].id)) == 0


def test_the_demo_employee_still_has_everything_to_rate_in_the_open_round(rounds):
    employee = db.session.scalar(sa.select(User).where(User.email == "employee.sales@example.com"))
    round_ = rounds[OPEN]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation).where(
        Participation.round_id == round_.id, Participation.user_id == employee.id)) == 0
    targets = services.targets_for(employee, round_)
    assert len(targets) >= 3 and not any(t.done for t in targets)
    assert round_ in services.open_rounds_for(employee)


def test_the_nps_chain_shows_finance_two_steps_upstream_as_its_weakest_link(rounds, dept):
    """The demo's story of a service chain (app/chain): Support faces the clients of NPS, Sales serves
    Support, Finance serves Sales, and Finance's accessibility is the weakest score along the chain."""
    nps = db.session.scalar(sa.select(Metric).where(Metric.name == "Net Promoter Score (NPS)"))
    chain = chain_for(nps, rounds[PUBLISHED[-1]])
    distance = {s.department.code: s.distance for s in chain.steps}
    assert (distance["SUP"], distance["SAL"], distance["FIN"]) == (0, 1, 2)
    weakest = chain.weakest[0]
    assert (weakest.step.department.id, weakest.dimension.key) == (dept["FIN"], "accessibility")
