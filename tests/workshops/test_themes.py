"""Themes on the workshop board: a theme of a taking-part department's comments added as one card (twice,
or twice at once, still one), and grouping suggestions in the group phase, accepted (merged) or rejected
for good; only the facilitator sees or does either."""
from datetime import date

import pytest
from bs4 import BeautifulSoup

from app.extensions import db
from app.ratings import services as ratings
from app.themes import services as themes
from app.workshops import services
from app.workshops.models import Card, RejectedSuggestion
from tests.factories import PASSWORD, count, make_user, page_text, posted_at_once
from tests.reports.test_results import Survey, company, survey  # noqa: F401  (the rating fixture, its helpers)

LATE = ["They promised the report by Friday and it came late.", "Deadlines missed all the time.",
        "Every invoice has an error.", "Nothing to add."]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def board(company):  # noqa: F811
    """A published round in which Sales commented on Finance (three comments on reliability, k = 3), and a
    workshop of Finance and Sales working from it, in the review phase, with one participant."""
    return workshop_on(company, commented(company).publish())


def commented(company) -> Survey:  # noqa: F811
    """A round in which Sales commented on Finance: three comments on reliability, k = 3."""
    s = survey(company, k=3)
    s.rate(company["SAL"], company["FIN"], [3] * len(LATE), comments=LATE)
    return s


def workshop_on(company, round_) -> dict:  # noqa: F811
    """A workshop of Finance and Sales working from the round, in the review phase, with one participant."""
    participant = make_user("pat@example.com", "Pat Sales", company["SAL"])
    workshop = services.save_workshop(company["facilitator"], None, "Finance meets Sales",
                                      date(2026, 4, 1), round_, [company["FIN"], company["SAL"]],
                                      [participant], 3, False, False)
    services.move_phase(company["facilitator"], workshop, 1)
    db.session.commit()
    return {**company, "workshop": workshop, "participant": participant}


def reliability() -> int:
    return themes.subject_named("dimension:reliability").theme.id


def sign_in(client, person):
    client.post("/logout")
    assert client.sign_in(person.email, PASSWORD).status_code == 303


def test_the_review_offers_each_theme_of_k_comments_and_makes_one_card_of_it(board):
    seeds = services.theme_seeds(board["workshop"])
    assert [(s.department.name, s.subject.item.key, s.count) for s in seeds] == \
        [("Finance", "reliability", 3)]
    card, made = services.card_from_theme(board["facilitator"], board["workshop"], board["FIN"],
                                          reliability())
    again, made_again = services.card_from_theme(board["facilitator"], board["workshop"], board["FIN"],
                                                 reliability())
    db.session.commit()
    assert made and not made_again and again.id == card.id and count(Card) == 1
    assert card.text == "Finance — Reliability: 3 comments" and card.dimension.key == "reliability"


def themes_section(client, workshop) -> str | None:
    section = BeautifulSoup(client.get(f"/workshops/{workshop.id}").text, "html.parser").select_one(
        "section.theme-seeds")
    return " ".join(section.get_text().split()) if section else None


def test_until_the_round_is_published_the_themes_say_its_results_are_not_published_yet(client, company):  # noqa: F811
    s = commented(company)
    ratings.close_round(company["facilitator"], s.round)  # its comments counted, its results not published
    board = workshop_on(company, s.round)
    workshop = board["workshop"]
    sign_in(client, board["facilitator"])
    # In review the review says it, once; the themes section is left out rather than say it again.
    review = page_text(client.get(f"/workshops/{workshop.id}"))
    assert review.count("The results of Spring are not published yet.") == 1
    assert themes_section(client, workshop) is None
    services.move_phase(board["facilitator"], workshop, 1)  # collect: the themes are offered there
    db.session.commit()
    shown = themes_section(client, workshop)
    assert "The results of Spring are not published yet." in shown
    assert "enough comments" not in shown and "Add as a card" not in shown


def test_a_theme_under_k_or_of_another_department_makes_no_card(board):
    courtesy = themes.subject_named("dimension:courtesy").theme.id
    for department, theme_id in ((board["FIN"], courtesy), (board["SAL"], reliability()), (None, 10 ** 9)):
        with pytest.raises(services.WorkshopError, match="not among"):
            services.card_from_theme(board["facilitator"], board["workshop"], department, theme_id)
    with pytest.raises(services.WorkshopError):
        services.card_from_theme(board["participant"], board["workshop"], board["FIN"], reliability())
    db.session.rollback()
    assert count(Card) == 0


def test_a_theme_added_as_a_card_twice_at_once_makes_one_card(app, board):
    url = f"/workshops/{board['workshop'].id}/themes"
    browsers, responses = posted_at_once(app, board["facilitator"], url,
                                         {"department_id": board["FIN"].id, "theme_id": reliability()})
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert count(Card) == 1
    pages = [page_text(b.get(f"/workshops/{board['workshop'].id}")) for b in browsers]
    assert sum("Card added." in page for page in pages) == 1
    assert sum("This card is already on the board." in page for page in pages) == len(browsers) - 1


def test_only_the_facilitator_sees_and_adds_themes(client, board):
    workshop = board["workshop"]
    sign_in(client, board["participant"])
    assert "Add as a card" not in page_text(client.get(f"/workshops/{workshop.id}"))
    response = client.post(f"/workshops/{workshop.id}/themes",
                           data={"department_id": board["FIN"].id, "theme_id": reliability()})
    assert response.status_code == 403 and count(Card) == 0
    sign_in(client, board["facilitator"])
    page = page_text(client.get(f"/workshops/{workshop.id}"))
    assert "Finance — Reliability: 3 comments" in page and "Add as a card" in page
    response = client.post(f"/workshops/{workshop.id}/themes", headers=HTMX,
                           data={"department_id": board["FIN"].id, "theme_id": reliability()})
    assert response.status_code == 200 and "on the board" in page_text(response) and count(Card) == 1


@pytest.mark.parametrize("data", [{"department_id": "x", "theme_id": "1"}, {"department_id": "1"},
                                  {"department_id": "1", "theme_id": "99999999999999"},
                                  {"department_id": "1\x00", "theme_id": "1"}])
def test_bad_input_adding_a_theme_is_refused_with_a_message(client, board, data):
    sign_in(client, board["facilitator"])
    response = client.post(f"/workshops/{board['workshop'].id}/themes", data=data, follow_redirects=True)
    assert response.status_code == 200 and "Choose a theme of a department" in page_text(response)
    assert count(Card) == 0


def grouping(board, texts):
    facilitator, workshop = board["facilitator"], board["workshop"]
    services.move_phase(facilitator, workshop, 1)
    cards = [services.add_card(facilitator, workshop, text, None, None) for text in texts]
    services.move_phase(facilitator, workshop, 1)
    db.session.commit()
    return cards


CARDS = ["Reports come late every month", "Deadlines slip without notice", "Rude answers on the phone"]


def test_cards_that_share_a_theme_are_suggested_and_accepting_merges_them(board):
    late, slip, _rude = grouping(board, CARDS)
    [suggestion] = services.suggestions(board["workshop"])
    assert suggestion.subject.item.key == "reliability" and suggestion.cards == [late, slip]
    services.accept_suggestion(board["facilitator"], board["workshop"], reliability(), [slip.id, late.id])
    db.session.commit()
    assert slip.merged_into_id == late.id and services.suggestions(board["workshop"]) == []
    with pytest.raises(services.WorkshopError, match="no longer on the board"):  # the same accept again
        services.accept_suggestion(board["facilitator"], board["workshop"], reliability(), [slip.id, late.id])


def test_a_suggestion_is_merged_only_as_the_facilitator_saw_it(board):
    late, slip, rude = grouping(board, CARDS)
    with pytest.raises(services.WorkshopError, match="no longer on the board"):
        services.accept_suggestion(board["facilitator"], board["workshop"], reliability(), [late.id, rude.id])
    db.session.rollback()
    assert all(c.merged_into_id is None for c in (late, slip, rude))


def test_a_rejected_suggestion_does_not_come_back(board):
    grouping(board, CARDS)
    services.reject_suggestion(board["facilitator"], board["workshop"], reliability())
    services.reject_suggestion(board["facilitator"], board["workshop"], reliability())  # twice: once
    db.session.commit()
    assert services.suggestions(board["workshop"]) == [] and count(RejectedSuggestion) == 1
    assert all(c.merged_into_id is None for c in board["workshop"].cards)
    with pytest.raises(services.WorkshopError, match="no such theme"):
        services.reject_suggestion(board["facilitator"], board["workshop"], 10 ** 9)


def test_suggestions_by_plain_post_and_htmx_only_for_the_facilitator(client, board):
    late, slip, _rude = grouping(board, CARDS)
    workshop, theme = board["workshop"], reliability()
    sign_in(client, board["participant"])
    assert "group them?" not in page_text(client.get(f"/workshops/{workshop.id}"))
    assert client.post(f"/workshops/{workshop.id}/suggestions/{theme}/reject").status_code == 403
    assert client.post(f"/workshops/{workshop.id}/suggestions/{theme}/accept",
                       data={"card_ids": [late.id, slip.id]}).status_code == 403
    sign_in(client, board["facilitator"])
    page = page_text(client.get(f"/workshops/{workshop.id}"))
    assert "These 2 cards talk about Reliability — group them?" in page
    response = client.post(f"/workshops/{workshop.id}/suggestions/{theme}/accept",
                           data={"card_ids": [late.id, "x"]}, follow_redirects=True)
    assert "no longer on the board" in page_text(response) and slip.merged_into_id is None
    response = client.post(f"/workshops/{workshop.id}/suggestions/{theme}/accept", headers=HTMX,
                           data={"card_ids": [late.id, slip.id]})
    assert response.status_code == 200 and "Cards merged." in page_text(response)
    assert "group them?" not in page_text(response)
    db.session.expire_all()
    assert db.session.get(Card, slip.id).merged_into_id == late.id
