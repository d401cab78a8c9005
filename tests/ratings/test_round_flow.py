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
        services.fold_if_ready(round_, seller.department_id, "service", finance.id)
        db.session.commit()
    assert count(PendingBallot) == 1  # five folded together, the sixth waits
    assert count(Participation) == 6
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
