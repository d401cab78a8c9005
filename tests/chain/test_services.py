"""The service chain of a metric: the walk up the service map, its scores through the gate, its weakest
links, and the marks of which client-facing departments drive which metric."""
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import User
from app.chain.services import chain_for, metrics_and_drivers, walk
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.metrics import services as metrics
from app.metrics.models import Metric
from app.org.models import Department, department_metrics
from app.org.services import save_department
from tests.factories import audited, count, count_statements, in_parallel, link, make_department, make_user
from tests.reports.test_results import Survey

# The walk ----------------------------------------------------------------------------------------


def test_the_walk_goes_upstream_one_step_at_a_time():
    # (provider, client): 3 serves 2 serves 1; 4 serves 3; 5 serves nobody in the chain
    assert walk([1], [(2, 1), (3, 2), (4, 3), (1, 5)]) == {1: 0, 2: 1, 3: 2, 4: 3}


def test_each_department_once_at_its_shortest_distance():
    # 3 serves the driver directly and through 2: one step, not two
    assert walk([1], [(2, 1), (3, 2), (3, 1)]) == {1: 0, 2: 1, 3: 1}
    # two drivers: each department counts from the nearer one
    assert walk([1, 5], [(2, 1), (3, 2), (3, 5)]) == {1: 0, 5: 0, 2: 1, 3: 1}


def test_a_cycle_in_the_service_map_ends_the_walk():
    # 1 ← 2 ← 3 ← 1: the driver serves its own providers' provider
    assert walk([1], [(2, 1), (3, 2), (1, 3)]) == {1: 0, 2: 1, 3: 2}


def test_no_driver_no_chain():
    assert walk([], [(2, 1)]) == {}


# The chain of a metric ---------------------------------------------------------------------------

@pytest.fixture
def company(app):
    """Support faces the clients of NPS; Sales Ops serves Support; Finance serves Sales Ops; Legal serves
    Finance, and Support serves Finance (a cycle). Marketing serves nobody in the chain."""
    seed_default_dimensions()
    names = {"SUP": "Support", "OPS": "Sales Ops", "FIN": "Finance", "LEG": "Legal", "MKT": "Marketing"}
    d = {code: make_department(name, code) for code, name in names.items()}
    for provider, client in (("OPS", "SUP"), ("FIN", "OPS"), ("LEG", "FIN"), ("SUP", "FIN"), ("MKT", "LEG")):
        link(d[provider], d[client])
    facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
    nps = metrics.save_metric(facilitator, None, "NPS", "", "points", "higher", None)
    metrics.set_drivers(facilitator, nps, [d["SUP"]])
    db.session.commit()
    return {**d, "facilitator": facilitator, "nps": nps}


def published(company, k=3):
    """Support rates Sales Ops 4 everywhere; Sales Ops rates Finance 1 on accessibility, 2 on
    communication, 4 elsewhere; Finance rates Legal, but only two of them (under k)."""
    s = Survey(company["facilitator"], [company[c] for c in ("SUP", "OPS", "FIN", "LEG")], k=k)
    s.rate(company["SUP"], company["OPS"], [4, 4, 4])
    s.rate(company["OPS"], company["FIN"], [[4, 1, 4, 4, 4, 4, 2, 4, 4], [4, 1, 4, 4, 4, 4, 2, 4, 4],
                                            [4, 2, 4, 4, 4, 4, 3, 4, 4]])
    s.rate(company["FIN"], company["LEG"], [3, 3])
    return s.publish()


def test_the_chain_walks_from_the_driver_up_with_distances(company):
    chain = chain_for(company["nps"], published(company))
    assert [(s.department.code, s.distance) for s in chain.steps] == [
        ("SUP", 0), ("OPS", 1), ("FIN", 2), ("LEG", 3), ("MKT", 4)]
    assert chain.depth == 4
    by_code = {s.department.code: s for s in chain.steps}
    # Each serves the one a step nearer the client; Support's service to Finance runs the other way.
    assert by_code["FIN"].serves == (company["OPS"].id,) and by_code["SUP"].serves == ()
    assert chain.on_the_way(by_code["FIN"]) == [company["OPS"], company["SUP"]]


def test_only_scores_that_pass_the_gate_are_shown(company):
    chain = chain_for(company["nps"], published(company))
    by_code = {s.department.code: s for s in chain.steps}
    assert by_code["OPS"].respondents == 3 and all(f.mean == 4 for f in by_code["OPS"].scores)
    assert by_code["LEG"].took_part and by_code["LEG"].respondents is None  # two raters, k = 3
    assert by_code["LEG"].scores == (None,) * 9
    assert not by_code["MKT"].took_part and by_code["MKT"].scores == (None,) * 9
    assert by_code["SUP"].respondents is None  # nobody rated Support


def test_the_weakest_links_are_the_lowest_scores_along_the_chain(company):
    chain = chain_for(company["nps"], published(company))
    weakest = [(w.step.department.code, w.dimension.key, round(w.figure.mean, 2)) for w in chain.weakest]
    assert weakest[:2] == [("FIN", "accessibility", 1.33), ("FIN", "communication", 2.33)]
    assert len(weakest) == 3 and weakest[2][2] == 4  # then the first of the many fours
    low, high = chain.weakest[0].figure.estimate.interval()
    assert chain.weakest[0].figure.n == 3 and low < 1.33 < high  # its figure carries its interval
    assert [d.key for d in chain.weak_in(chain.steps[2])] == ["accessibility", "communication"]
    assert chain.steps[2].weakest(chain.dimensions)[0].key == "accessibility"


def test_without_a_published_round_the_chain_has_no_scores(company):
    chain = chain_for(company["nps"], None)
    assert len(chain.steps) == 5 and chain.weakest == [] and chain.dimensions == []


def test_the_chain_reads_a_fixed_number_of_queries_however_large_the_company(company):
    round_ = published(company)

    def statements():
        with count_statements() as seen:
            chain_for(db.session.get(Metric, company["nps"].id), db.session.get(type(round_), round_.id))
        db.session.expire_all()
        return len(seen)

    chain_for(company["nps"], round_)  # the gate's sums of a published round are read once per process
    small = statements()
    # 200 more departments, each serving the one before it up from Legal: a chain 200 steps longer
    previous = company["LEG"]
    for n in range(200):
        department = Department(name=f"Unit {n}", code=f"U{n}")
        db.session.add(department)
        db.session.flush()
        link(department, previous)
        previous = department
    db.session.commit()
    assert len(chain_for(company["nps"], round_).steps) == 205
    assert statements() == small


# Marking the departments that drive a metric -----------------------------------------------------

def test_marking_a_driver_marks_it_client_facing_and_unmarking_the_department_clears_it(company):
    fin = company["FIN"]
    assert not fin.faces_clients
    assert metrics.set_drivers(company["facilitator"], company["nps"], [company["SUP"], fin])
    assert fin.faces_clients and metrics.drivers(company["nps"]) == [fin, company["SUP"]]
    assert not metrics.set_drivers(company["facilitator"], company["nps"], [fin, company["SUP"]])
    entries = db.session.execute(audited(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.action == "metric.drivers")).all()
    assert entries == [("metric.drivers", "SUP"), ("metric.drivers", "FIN, SUP")]  # a change only
    admin = make_user("admin@example.com", is_admin=True)
    save_department(admin, fin, "Finance", "FIN", None, [], faces_clients=False)
    assert metrics.drivers(company["nps"]) == [company["SUP"]]
    assert [(m.name, ds) for m, ds in metrics_and_drivers()] == [("NPS", [company["SUP"]])]
    # A department saved without a say about the mark keeps it.
    save_department(admin, company["SUP"], "Support", "SUP", None, [])
    assert company["SUP"].faces_clients and metrics.drivers(company["nps"]) == [company["SUP"]]


def test_the_same_mark_sent_twice_at_once_is_one_row(app, company):
    ids = company["nps"].id, company["FIN"].id, company["facilitator"].id
    db.session.commit()  # the test's own session holds nothing the threads would wait for

    def mark(_i):
        metric, finance = db.session.get(Metric, ids[0]), db.session.get(Department, ids[1])
        actor = db.session.get(User, ids[2])
        changed = metrics.set_drivers(actor, metric, [finance, *metrics.drivers(metric)])
        db.session.commit()
        return changed

    outcomes = in_parallel(app, 4, mark)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert count(department_metrics, department_metrics.c.department_id == ids[1]) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(Department.faces_clients).where(Department.id == ids[1]))


# The weakest links prefer the clearly weak -------------------------------------------------------

def crafted(company, fin_low_dimensions: int):
    """Support's three rate Sales Ops 1, 5 and 1 on the first dimension (2.33, but they disagree) and 5
    elsewhere; Sales Ops' six rate Finance 3 on the next `fin_low_dimensions` dimensions (they agree), 5
    elsewhere."""
    s = Survey(company["facilitator"], [company[c] for c in ("SUP", "OPS", "FIN")], k=3)
    s.rate(company["SUP"], company["OPS"], [[1, 5], [5], [1, 5]])
    s.rate(company["OPS"], company["FIN"], [[5] + [3] * fin_low_dimensions + [5]] * 6)
    return s.publish()


def test_a_noisy_low_mean_gives_way_to_clearly_weak_links(company):
    chain = chain_for(company["nps"], crafted(company, 3))
    listed = [(w.step.department.code, w.dimension.key, round(w.figure.mean, 2)) for w in chain.weakest]
    keys = [d.key for d in chain.dimensions]
    assert listed == [("FIN", keys[1], 3), ("FIN", keys[2], 3), ("FIN", keys[3], 3)]
    assert all(w.clearly_weak and w.not_clearly_weaker_than is None for w in chain.weakest)
    # by mean alone, Sales Ops' 2.33 would have led the list
    assert min(f.mean for s in chain.steps for f in s.scores if f) < 2.4


def test_a_weakest_link_within_noise_of_the_next_says_so(company):
    chain = chain_for(company["nps"], crafted(company, 1))
    first, second, third = chain.weakest
    assert (first.step.department.code, round(first.figure.mean, 2)) == ("FIN", 3)
    assert first.clearly_weak and first.not_clearly_weaker_than is None
    assert (second.step.department.code, round(second.figure.mean, 2)) == ("OPS", 2.33)
    assert not second.clearly_weak and second.not_clearly_weaker_than.figure.mean == 5
    assert third.figure.mean == 5 and third.not_clearly_weaker_than is not None
