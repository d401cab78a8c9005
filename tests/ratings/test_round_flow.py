"""A round from draft to published, through the services, as a facilitator and employees use it."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.ratings import services
from app.ratings.models import BallotCount, Completion, Participation, PendingBallot, Tally
from app.reports.gate import OVERALL, RoundResults
from tests.factories import count, link, make_department, make_user


@pytest.fixture
def company(app):
    seed_default_dimensions()
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    link(finance, sales)
    facilitator = make_user("fac@example.com", is_facilitator=True)
    sellers = [make_user(f"s{i}@example.com", department=sales) for i in range(6)]
    db.session.commit()
    return {"finance": finance, "sales": sales, "facilitator": facilitator, "sellers": sellers}


def open_round(company, k=5):
    round_ = services.save_round(company["facilitator"], None, "Spring", date(2026, 3, 1), date(2026, 3, 31),
                                 k, [company["finance"], company["sales"]])
    services.open_round(company["facilitator"], round_)
    db.session.commit()
    return round_


def scores_for(round_, value):
    return {rd.dimension_id: value for rd in round_.dimensions}


def test_round_from_draft_to_published(company):
    round_ = open_round(company)
    finance = company["finance"]
    for i, seller in enumerate(company["sellers"]):
        target = services.find_target(seller, round_, f"d{finance.id}")
        services.submit(seller, round_, target, scores_for(round_, 2 + i % 2), comment=f"note {i}")
        db.session.commit()
    assert count(PendingBallot) == 6  # every ballot waits, sealed, until closing
    assert count(Participation) == 6
    assert count(Tally) == 0
    services.close_round(company["facilitator"], round_)
    db.session.commit()
    assert count(PendingBallot) == 0 and count(Participation) == 0
    assert count(Completion) == 6
    services.publish_round(company["facilitator"], round_)
    db.session.commit()
    results = RoundResults(round_)
    overall = results.total("service", finance.id, OVERALL)
    assert overall.n == 6 and overall.mean == pytest.approx(2.5)
    first = round_.dimensions[0].dimension_id
    assert results.total("service", finance.id, first).distribution == (0, 3, 3, 0, 0)
    assert sorted(results.comments(finance.id)) == [f"note {i}" for i in range(6)]
    assert results.total("service", company["sales"].id, OVERALL) is None
    assert db.session.scalar(sa.select(sa.func.sum(BallotCount.ballots))) == 6
    assert db.session.scalar(sa.select(sa.func.sum(Tally.count))) == 6 * len(round_.dimensions)


def test_second_submission_for_the_same_target_is_refused(company):
    round_ = open_round(company)
    seller, finance = company["sellers"][0], company["finance"]
    services.submit(seller, round_, services.find_target(seller, round_, f"d{finance.id}"),
                    scores_for(round_, 4))
    db.session.commit()
    with pytest.raises(services.RatingError):
        services.submit(seller, round_, services.find_target(seller, round_, f"d{finance.id}"),
                        scores_for(round_, 1))
    db.session.rollback()
    assert count(PendingBallot) == 1


def test_find_target_answers_as_the_persons_list_and_the_departments_they_may_add(company):
    """Every key of a person's list, of the departments they may add, and any other key: the target
    found is the one on the list (or addable), and every other key is refused."""
    legal, hr, outside = (make_department(name, code) for name, code in
                          (("Legal", "LEG"), ("People", "HR"), ("Outside", "OUT")))
    link(legal, company["sales"])  # Legal serves Sales: on every seller's list
    db.session.commit()
    round_ = services.save_round(company["facilitator"], None, "Spring", date(2026, 3, 1), date(2026, 3, 31),
                                 5, [company["finance"], company["sales"], legal, hr])
    services.open_round(company["facilitator"], round_)
    seller = company["sellers"][0]
    services.skip(seller, round_, services.find_target(seller, round_, f"d{legal.id}"))
    services.submit(seller, round_, services.find_target(seller, round_, f"d{hr.id}"), scores_for(round_, 3))
    services.skip(seller, round_, services.find_target(seller, round_, "company"))
    db.session.commit()

    expected = {t.key: t for t in services.targets_for(seller, round_)}
    assert set(expected) == {f"d{company['finance'].id}", f"d{legal.id}", "self", "company", f"d{hr.id}"}
    assert not expected[f"d{hr.id}"].listed and expected[f"d{hr.id}"].done  # added by the seller
    for key, target in expected.items():
        assert services.find_target(seller, round_, key) == target, key
    assert services.addable_departments(seller, round_) == []
    other = make_user("other@example.com", department=company["sales"])
    db.session.commit()
    assert services.find_target(other, round_, f"d{hr.id}") == services.Target(
        f"d{hr.id}", "service", hr, False, listed=False)  # one they may add
    own, absent = company["sales"].id, outside.id
    for key in (f"d{own}", f"d{absent}", "d", "d0", f"d0{hr.id}", f"D{hr.id}", f" d{hr.id}", "dx",
                "d99999999999999999999", "d9999999999", "self ", ""):
        with pytest.raises(services.RatingError):
            services.find_target(seller, round_, key)
