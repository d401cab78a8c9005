"""Complaints in a workshop's review: those the taking-part departments' service feeds, by category with
the 3–7 % rule, and the facilitator's "Load as cards" — one card per category, once however often (or
however many at once) it is sent, on whichever database the suite runs on."""
from datetime import date

import pytest

from app.extensions import db
from app.workshops import services
from app.workshops.models import Card, ComplaintCard, Workshop
from tests.complaints.test_services import company, imported  # noqa: F401 (company is a fixture)
from tests.factories import PASSWORD, count, in_parallel, make_user, page_text, posted_at_once
from tests.reports.test_results import Survey

COMPLAINTS = ("date,category,department\n"
              + "2026-03-03,Late invoice,SUP\n" * 3
              + "2026-03-05,Rude answer,SUP\n"
              "2026-03-06,Rude answer,MKT\n"  # Marketing serves nobody taking part
              "2026-05-01,Late invoice,SUP\n")  # after the round's dates


@pytest.fixture
def review(company):  # noqa: F811
    """Finance and Sales Ops meet, in the review phase, working from a round of March 2026."""
    round_ = Survey(company["facilitator"], [company[c] for c in ("SUP", "OPS", "FIN")]).round
    imported(company["admin"], COMPLAINTS)
    ann = make_user("ann@example.com", department=company["FIN"])
    workshop = services.save_workshop(company["facilitator"], None, "Invoices", date(2026, 12, 1), round_,
                                      [company["FIN"], company["OPS"]], [ann], 3, False, False)
    services.move_phase(company["facilitator"], workshop, 1)
    db.session.commit()
    return {**company, "workshop": workshop, "ann": ann}


def test_the_review_counts_each_complaint_once_by_category(review):
    groups = services.review_complaints(review["workshop"])
    assert [(g.category.name, g.count, g.unhappy_clients, g.card) for g in groups] == [
        ("Late invoice", 3, (43, 100), None), ("Rude answer", 1, (14, 33), None)]


def test_loading_adds_one_card_per_category_and_again_adds_none(review):
    workshop, facilitator = review["workshop"], review["facilitator"]
    assert services.load_complaint_cards(facilitator, workshop) == 2
    cards = {c.text: c for c in db.session.query(Card)}
    late = next(c for text, c in cards.items() if "Late invoice" in text)
    assert late.text == ("3 complaints about “Late invoice”, received from 2026-03-01 to 2026-03-31. "
                         "Only 3–7 % of unhappy clients complain: roughly 43 to 100 unhappy clients.")
    assert late.dimension.key == "competence" and late.root_cause is not None and late.author == facilitator
    assert services.load_complaint_cards(facilitator, workshop) == 0
    assert count(Card) == 2 and count(ComplaintCard) == 2
    assert all(g.card is not None for g in services.review_complaints(workshop))


def test_only_a_facilitator_loads_and_only_in_the_review(review):
    workshop = review["workshop"]
    with pytest.raises(services.WorkshopError, match="Only a facilitator"):
        services.load_complaint_cards(review["ann"], workshop)
    services.move_phase(review["facilitator"], workshop, 1)
    with pytest.raises(services.WorkshopError, match="in the review phase"):
        services.load_complaint_cards(review["facilitator"], workshop)
    assert count(Card) == 0


def test_loads_at_once_keep_one_card_per_category(app, review):
    ids = review["workshop"].id, review["facilitator"].id
    db.session.commit()

    def load(_i):
        from app.auth.models import User
        added = services.load_complaint_cards(db.session.get(User, ids[1]), db.session.get(Workshop, ids[0]))
        db.session.commit()
        return added

    outcomes = in_parallel(app, 4, load)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert sorted(outcomes) == [0, 0, 0, 2] and count(Card) == 2 and count(ComplaintCard) == 2


# Pages -------------------------------------------------------------------------------------------

def test_the_facilitator_loads_them_from_the_board_and_sees_the_cards(client, review):
    url = f"/workshops/{review['workshop'].id}"
    assert client.sign_in(review["facilitator"].email, PASSWORD).status_code == 303
    page = page_text(client.get(url))
    assert "Complaints their service feeds" in page and "roughly 57 to 133 unhappy clients" in page
    assert "Load as cards" in page
    response = client.post(f"{url}/complaint-cards", headers={"HX-Request": "true"})
    assert response.status_code == 200
    board = page_text(response)
    assert "2 cards added from the complaints." in board and "Load as cards" not in board
    assert "3 complaints about “Late invoice”" in board and "1 complaint about “Rude answer”" in board
    again = client.post(f"{url}/complaint-cards")
    assert again.status_code == 303 and count(Card) == 2
    assert "The complaints are on the board already." in page_text(client.get(url))


def test_a_participant_sees_the_complaints_but_may_not_load_them(client, review):
    url = f"/workshops/{review['workshop'].id}"
    assert client.sign_in(review["ann"].email, PASSWORD).status_code == 303
    page = page_text(client.get(url))
    assert "Complaints their service feeds" in page and "Load as cards" not in page
    assert client.post(f"{url}/complaint-cards").status_code == 403
    assert client.post(f"{url}/complaint-cards", csrf=False).status_code in (400, 403)
    assert count(Card) == 0


def test_two_posts_at_once_give_the_cards_once(app, review):
    url = f"/workshops/{review['workshop'].id}/complaint-cards"
    _browsers, responses = posted_at_once(app, review["facilitator"], url)
    assert all(r.status_code == 303 for r in responses), responses
    assert count(Card) == 2 and count(ComplaintCard) == 2
