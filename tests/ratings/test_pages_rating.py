"""Employees rating through the pages: their list, the form, skipping, adding, and what is refused."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.ratings import services
from app.ratings.models import BallotCount, Comment, Participation, PendingBallot, Round
from app.ratings.sealing import unseal
from tests.factories import PASSWORD, count, link, make_department, make_user, page_text, statements_run

HTMX = {"HX-Request": "true"}


@pytest.fixture
def company(app):
    """Finance and IT serve Sales; HR takes part, serving nobody; Legal serves Sales, not in the round."""
    seed_default_dimensions()
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    it, hr, legal = make_department("IT", "IT"), make_department("Human Resources", "HR"), \
        make_department("Legal", "LEG")
    link(finance, sales)
    link(it, sales)
    link(legal, sales)
    facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
    sellers = [make_user(f"seller{i}@example.com", f"Seller {i}", sales) for i in range(6)]
    lawyer = make_user("lawyer@example.com", "Lena Lawyer", legal)
    admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
    round_ = services.save_round(facilitator, None, "Spring 2026", date(2026, 3, 1), date(2026, 3, 31), 5,
                                 [finance, sales, it, hr])
    services.open_round(facilitator, round_)
    db.session.commit()
    return {"finance": finance, "sales": sales, "it": it, "hr": hr, "legal": legal, "round": round_,
            "facilitator": facilitator, "sellers": sellers, "lawyer": lawyer, "admin": admin}


def signed_in(app, user):
    client = app.test_client()
    assert client.sign_in(user.email, PASSWORD).status_code == 303
    return client


@pytest.fixture
def seller(app, company):
    return signed_in(app, company["sellers"][0])


def url(company, tail=""):
    return f"/rounds/{company['round'].id}/rate{tail}"


def answers(round_, value=4, comment=None, **overrides):
    data = {f"d{rd.dimension_id}": str(value) for rd in round_.dimensions}
    data.update(overrides)
    if comment is not None:
        data["comment"] = comment
    return data


SKIP = {"skip": "1"}  # the list's skip button, posted to the rating form's address


def ballots_counted() -> int:
    """Every ballot the database holds for any group: still waiting, or folded into the counters."""
    folded = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(BallotCount.ballots), 0)))
    return count(PendingBallot) + folded


def progress(response) -> str:
    return re.search(r"(\d+ of \d+ done)", page_text(response)).group(1)


# The list ----------------------------------------------------------------------------------------

def test_the_list_shows_providers_taking_part_own_department_and_company(seller, company):
    response = seller.get(url(company))
    assert response.status_code == 200
    page = page_text(response)
    assert "Your ratings in Spring 2026" in page
    assert "0 of 4 done" in page and "<progress" in page
    service_part = page.split("Departments that serve yours")[1].split("Your own department")[0]
    assert "Finance" in service_part and "IT" in service_part
    assert "Legal" not in page  # serves Sales, but does not take part
    assert "Your own department — as you think the others see it" in page
    assert "The company — as its external clients see it" in page
    assert f'href="{url(company, "/d" + str(company["finance"].id))}"' in page
    assert f'href="{url(company, "/self")}"' in page and f'href="{url(company, "/company")}"' in page
    assert "Skip — I did not deal with them" not in page  # on each department's own page, away from Rate
    assert "Did not deal with one of them this round? Open it and choose “Skip” below its questions." in page
    add_form = page.split("Add a department you worked with this round")[1]
    assert f'<option value="{company["hr"].id}">Human Resources</option>' in add_form
    for department in ("sales", "finance"):
        assert f'value="{company[department].id}"' not in add_form
    assert 'hx-history="false"' in page


def test_anonymous_people_are_sent_to_sign_in(client, company):
    response = client.get(url(company))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(url(company, f"/d{company['finance'].id}"), data=answers(company["round"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(Participation) == 0


def test_someone_whose_department_does_not_take_part_is_refused(app, company):
    lawyer = signed_in(app, company["lawyer"])
    finance = company["finance"].id
    assert lawyer.get(url(company)).status_code == 403
    assert lawyer.get(url(company, f"/d{finance}")).status_code == 403
    assert lawyer.post(url(company, f"/d{finance}"), data=answers(company["round"])).status_code == 403
    assert lawyer.post(url(company, f"/d{finance}"), data=SKIP).status_code == 403
    admin = signed_in(app, company["admin"])  # no department at all
    assert admin.get(url(company)).status_code == 403
    assert count(Participation) == 0 and count(PendingBallot) == 0


def test_an_unknown_round_is_not_found(seller):
    assert seller.get("/rounds/999999/rate").status_code == 404


# Rating ------------------------------------------------------------------------------------------

def test_the_form_asks_every_dimension_with_a_scale_and_cant_judge(seller, company):
    round_ = company["round"]
    response = seller.get(url(company, f"/d{company['finance'].id}"))
    assert response.status_code == 200
    page = page_text(response)
    assert "Rate Finance" in page
    for asked in round_.dimensions:
        assert f"<legend>{asked.dimension.name}</legend>" in page
        assert asked.dimension.question in page
        for value in range(6):
            radio = rf'<input[^>]*name="d{asked.dimension_id}"[^>]*type="radio" value="{value}"'
            assert re.search(radio, page)
    assert page.count("<fieldset") == len(round_.dimensions)
    assert "very poor" in page and "excellent" in page and "Can't judge" in page
    assert "Your answers are anonymous and final: you cannot change them after sending." in page
    assert "<textarea" in page and "released only after the round closes" in page
    assert 'method="post"' in page and 'hx-history="false"' in page
    assert "checked" not in page  # nothing chosen for the person in advance


def test_no_comment_box_for_self_and_company(seller, company):
    for key in ("self", "company"):
        page = page_text(seller.get(url(company, f"/{key}")))
        assert "<textarea" not in page
        assert "Your answers are anonymous and final" in page
    assert "Sales, your own department" in page_text(seller.get(url(company, "/self")))


def test_rating_a_department_by_a_plain_post(seller, company):
    finance = company["finance"]
    data = answers(company["round"], 4, "Quick answers")
    response = seller.post(url(company, f"/d{finance.id}"), data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == url(company)  # no score in any address
    assert count(PendingBallot) == 1
    [ballot] = [unseal(sealed) for sealed in db.session.scalars(sa.select(PendingBallot.sealed))]
    assert (ballot["kind"], ballot["target"], ballot["comment"]) == ("service", finance.id, "Quick answers")
    done = db.session.scalars(sa.select(Participation.target)).all()
    assert done == [f"d{finance.id}"]
    page = page_text(seller.get(url(company)))
    assert "Thank you — Finance is ticked off your list." in page
    assert "1 of 4 done" in page
    assert "Quick answers" not in page


def test_rating_by_htmx_redirects_the_page_to_the_list(seller, company):
    response = seller.post(url(company, "/company"), data=answers(company["round"], 2), headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == url(company)
    assert count(PendingBallot) == 1
    [ballot] = [unseal(sealed) for sealed in db.session.scalars(sa.select(PendingBallot.sealed))]
    assert (ballot["kind"], ballot["target"], ballot["comment"]) == ("company", company["sales"].id, "")
    page = page_text(seller.get(url(company)))
    assert "Thank you — the company is ticked off your list." in page and "1 of 4 done" in page


def test_cant_judge_is_an_answer(seller, company):
    response = seller.post(url(company, "/self"), data=answers(company["round"], 0))
    assert response.status_code == 303
    assert count(PendingBallot) == 1


def test_a_second_post_for_the_same_target_is_refused_and_counted_once(seller, company):
    target = url(company, f"/d{company['finance'].id}")
    assert seller.post(target, data=answers(company["round"], 5)).status_code == 303
    response = seller.post(target, data=answers(company["round"], 1))
    assert response.status_code == 303
    page = page_text(seller.get(response.headers["Location"]))
    assert "You have already answered for this one; answers are final." in page
    assert ballots_counted() == 1 and count(Participation) == 1
    page = page_text(seller.get(target))
    assert "This one is done." in page and 'type="radio"' not in page


def test_an_answer_is_one_transaction_from_its_first_read_to_its_thanks(seller, company):
    """Everything an answer reads and writes happens in the one transaction its post opens: no second one
    after the commit (on SQLite each waits for the write lock behind every other answer)."""
    seller.refresh_token()  # a page read now, so that only the post is seen below
    target, data = url(company, f"/d{company['finance'].id}"), answers(company["round"])
    with statements_run() as sent:
        response = seller.post(target, data=data)
    assert response.status_code == 303
    assert [verb for verb, _open in sent if verb.startswith("BEGIN")] == [sent[0][0]]
    assert all(open_ for _verb, open_ in sent[1:])
    assert "Finance is ticked off your list" in page_text(seller.get(response.headers["Location"]))


def test_missing_answers_show_the_form_again_and_save_nothing(seller, company):
    round_ = company["round"]
    first, second = round_.dimensions[0].dimension_id, round_.dimensions[1].dimension_id
    data = answers(round_, 3, "kept")
    del data[f"d{first}"]
    response = seller.post(url(company, f"/d{company['finance'].id}"), data=data)
    assert response.status_code == 200
    page = page_text(response)
    assert "Some questions have no answer yet." in page
    assert page.count("Choose an answer, or “Can't judge”.") == 1
    assert f'id="d{first}-error"' in page and f'id="d{second}-error"' not in page
    assert re.search(rf'<input checked[^>]*name="d{second}"[^>]*value="3"', page)  # kept for the person
    assert "kept</textarea>" in page
    assert count(PendingBallot) == 0 and count(Participation) == 0


def test_missing_answers_by_htmx_swap_the_form_in_place(seller, company):
    response = seller.post(url(company, "/self"), data={}, headers=HTMX)
    assert response.status_code == 200
    fragment = page_text(response)
    assert "<html" not in fragment and 'id="rating-form"' in fragment
    assert fragment.count("Choose an answer") == len(company["round"].dimensions)
    assert count(PendingBallot) == 0 and count(Participation) == 0


@pytest.mark.parametrize("value", ["6", "-1", "x", ""])
def test_a_score_outside_the_scale_is_refused(seller, company, value):
    round_ = company["round"]
    data = answers(round_, 4, **{f"d{round_.dimensions[0].dimension_id}": value})
    response = seller.post(url(company, f"/d{company['finance'].id}"), data=data)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(PendingBallot) == 0 and count(Participation) == 0


def test_a_comment_over_2000_characters_is_refused(seller, company):
    response = seller.post(url(company, f"/d{company['finance'].id}"),
                           data=answers(company["round"], 4, "x" * 2001))
    assert response.status_code == 200
    assert "Keep the comment to 2000 characters at most." in page_text(response)
    assert count(PendingBallot) == 0 and count(Participation) == 0


# Skipping ----------------------------------------------------------------------------------------

def test_skipping_a_department(seller, company):
    it = company["it"]
    page = page_text(seller.get(url(company, f"/d{it.id}")))
    assert "Did not deal with IT this round?" in page
    assert page.count(f'action="{url(company, f"/d{it.id}")}"') == 2 and 'name="skip"' in page
    response = seller.post(url(company, f"/d{it.id}"), data=SKIP)
    assert response.status_code == 303 and response.headers["Location"] == url(company)
    assert db.session.scalars(sa.select(Participation.target)).all() == [f"d{it.id}"]
    assert count(PendingBallot) == 1  # sealed, like a rating; dropped at closing
    page = page_text(seller.get(url(company)))
    assert "Thank you — IT is ticked off your list." in page and "1 of 4 done" in page
    assert 'name="skip"' not in page_text(seller.get(url(company, f"/d{it.id}")))  # no second skip


UNDO = {"undo_skip": "1"}


def test_a_skip_is_undone_on_the_departments_page_and_the_department_can_be_rated(seller, company):
    it, round_ = company["it"], company["round"]
    seller.post(url(company, f"/d{it.id}"), data=SKIP)
    page = page_text(seller.get(url(company, f"/d{it.id}")))
    assert "You skipped this one." in page and 'name="undo_skip"' in page
    response = seller.post(url(company, f"/d{it.id}"), data=UNDO)
    assert response.status_code == 303 and response.headers["Location"] == url(company, f"/d{it.id}")
    page = page_text(seller.get(response.headers["Location"]))
    assert "The skip is undone: rate IT now, or skip it again." in page and 'name="skip"' in page
    assert count(Participation) == 0 and count(PendingBallot) == 1  # the skip's ballot waits, to be dropped
    assert seller.post(url(company, f"/d{it.id}"), data=answers(round_, 2)).status_code == 303
    assert progress(seller.get(url(company))) == "1 of 4 done"
    waiting = [unseal(text) for text in db.session.scalars(sa.select(PendingBallot.sealed))]
    assert sorted(bool(b.get("skip")) for b in waiting) == [False, True]  # closing drops the skip


def test_a_rating_cannot_be_undone_and_an_undo_sent_twice_answers_calmly(seller, company):
    finance, it = company["finance"], company["it"]
    seller.post(url(company, f"/d{finance.id}"), data=answers(company["round"]))
    page = page_text(seller.get(url(company, f"/d{finance.id}")))
    assert "Answers are final" in page and 'name="undo_skip"' not in page
    response = seller.post(url(company, f"/d{finance.id}"), data=UNDO, follow_redirects=True)
    assert "Only a skip can be undone; answers are final." in page_text(response)
    assert count(Participation) == 1
    seller.post(url(company, f"/d{it.id}"), data=SKIP)
    seller.post(url(company, f"/d{it.id}"), data=UNDO)
    response = seller.post(url(company, f"/d{it.id}"), data=UNDO, follow_redirects=True)
    assert response.status_code == 200 and "Skip — I did not deal with them" in page_text(response)
    assert count(Participation) == 1


def test_a_skip_cannot_be_undone_once_the_round_is_closed(seller, company):
    it = company["it"]
    seller.post(url(company, f"/d{it.id}"), data=SKIP)
    services.close_round(company["facilitator"], company["round"])
    db.session.commit()
    response = seller.post(url(company, f"/d{it.id}"), data=UNDO, follow_redirects=True)
    assert "not open" in page_text(response)


def test_skipping_by_htmx_answers_as_rating_does(seller, company):
    response = seller.post(url(company, f"/d{company['it'].id}"), data=SKIP, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == url(company)
    page = seller.get(url(company))
    assert progress(page) == "1 of 4 done"
    assert "Thank you — IT is ticked off your list." in page_text(page)


def test_own_department_company_and_done_ones_cannot_be_skipped(seller, company):
    finance = company["finance"]
    for key in ("self", "company", f"d{company['hr'].id}"):  # no Skip offered on their pages
        assert 'name="skip"' not in seller.get(url(company, f"/{key}")).get_data(as_text=True)
    seller.post(url(company, f"/d{finance.id}"), data=answers(company["round"]))
    for key in ("self", "company", f"d{finance.id}", f"d{company['hr'].id}"):
        response = seller.post(url(company, f"/{key}"), data=SKIP)
        assert response.status_code == 303
    assert count(Participation) == 1 and ballots_counted() == 1
    assert "can be skipped" in page_text(seller.get(url(company)))


# Adding a department -----------------------------------------------------------------------------

def test_adding_a_department_that_takes_part(seller, company):
    hr = company["hr"]
    response = seller.get(url(company, f"?add={hr.id}"))
    assert response.status_code == 303
    assert response.headers["Location"] == url(company, f"/d{hr.id}")
    assert "Rate Human Resources" in page_text(seller.get(response.headers["Location"]))
    assert seller.post(url(company, f"/d{hr.id}"), data=answers(company["round"])).status_code == 303
    page = page_text(seller.get(url(company)))
    added = page.split("Departments you added")[1]
    assert "Human Resources" in added and "done" in added
    assert "0 of 4 done" in page  # an added department is a bonus, not part of the list
    assert f'<option value="{hr.id}">' not in page


@pytest.mark.parametrize("key", ["own", "legal", "d999999", "xyz", "d"])
def test_a_department_not_in_the_round_or_ones_own_cannot_be_rated(seller, company, key):
    key = {"own": f"d{company['sales'].id}", "legal": f"d{company['legal'].id}"}.get(key, key)
    response = seller.get(url(company, f"/{key}"))
    assert response.status_code == 303
    assert "This department cannot be rated in this round." in page_text(seller.get(url(company)))
    response = seller.post(url(company, f"/{key}"), data=answers(company["round"]))
    assert response.status_code == 303
    assert count(PendingBallot) == 0 and count(Participation) == 0


# Rounds that are not open ------------------------------------------------------------------------

def test_a_closed_round_cannot_be_answered(seller, company):
    services.close_round(company["facilitator"], company["round"])
    db.session.commit()
    response = seller.get(url(company))
    assert response.status_code == 200
    assert "This round is closed: answers can no longer be sent." in page_text(response)
    target = url(company, f"/d{company['finance'].id}")
    assert "This round is closed" in page_text(seller.get(target))
    response = seller.post(target, data=answers(company["round"]))
    assert response.status_code == 303
    assert "This round is not open" in page_text(seller.get(response.headers["Location"]))
    assert seller.post(url(company, f"/d{company['it'].id}"), data=SKIP).status_code == 303
    assert ballots_counted() == 0 and count(Participation) == 0


def test_a_draft_round_is_not_open_yet(seller, company):
    draft = services.save_round(company["facilitator"], None, "Autumn", date(2026, 9, 1),
                                date(2026, 9, 30), 5, [company["finance"], company["sales"]])
    db.session.commit()
    response = seller.get(f"/rounds/{draft.id}/rate")
    assert response.status_code == 200
    assert "This round has not opened yet." in page_text(response)
    response = seller.post(f"/rounds/{draft.id}/rate/self", data={})
    assert response.status_code == 303
    assert count(Participation) == 0


# Anonymity ---------------------------------------------------------------------------------------

def test_answers_wait_sealed_until_the_round_closes(app, company):
    finance = company["finance"]
    for i, person in enumerate(company["sellers"][:5]):
        rater = signed_in(app, person)
        assert rater.post(url(company, f"/d{finance.id}"),
                          data=answers(company["round"], 1 + i % 5, f"note {i}")).status_code == 303
    assert count(PendingBallot) == 5 and count(BallotCount) == 0 and count(Comment) == 0
    services.close_round(company["facilitator"], company["round"])
    db.session.commit()
    assert count(PendingBallot) == 0
    assert db.session.scalar(sa.select(BallotCount.ballots)) == 5
    assert count(Comment) == 5


def test_pages_never_show_anyone_elses_answers(app, company):
    finance = company["finance"]
    for i, person in enumerate(company["sellers"][:5]):
        signed_in(app, person).post(url(company, f"/d{finance.id}"),
                                    data=answers(company["round"], 5, f"secret remark {i}"))
    last = signed_in(app, company["sellers"][5])
    pages = [last.get(url(company)), last.get(url(company, f"/d{finance.id}")),
             last.get(url(company, "/self")), last.get(url(company, "/company"))]
    first = signed_in(app, company["sellers"][0])
    pages += [first.get(url(company)), first.get(url(company, f"/d{finance.id}"))]
    for response in pages:
        page = page_text(response)
        assert response.status_code == 200
        assert "secret remark" not in page
        assert "checked" not in page  # no answer shown back, not even one's own
    assert "0 of 4 done" in page_text(pages[0])


def test_a_facilitator_whose_department_takes_part_rates_like_anyone(app, company):
    facilitator = company["facilitator"]
    facilitator.department = company["finance"]
    db.session.commit()
    client = signed_in(app, facilitator)
    page = page_text(client.get(url(company)))
    assert "Your ratings in Spring 2026" in page and "Finance" in page
    assert db.session.get(Round, company["round"].id).state == "open"
