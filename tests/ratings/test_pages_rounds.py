"""Facilitators running rounds through the pages: create, edit, move on, response rates, reminders."""
import re
from datetime import date
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.notices.models import Notice
from app.notices.services import send_due
from app.ratings import services
from app.ratings.models import Completion, Participation, PendingBallot, Round
from app.time import utcnow
from tests.factories import PASSWORD, audited, count, link, make_department, make_user, page_text

CONFIRMED = {"confirmed": "1"}  # the second post, from the page that asks first


@pytest.fixture
def company(org):
    """The `org` fixture with dimensions, a third department (IT, serving Sales) and more people in Sales."""
    seed_default_dimensions()
    it = make_department("IT", "IT")
    link(it, org["sales"])
    org["it"] = it
    org["sellers"] = [org["employee"], org["sales_head"]] + [
        make_user(f"seller{i}@example.com", f"Seller {i}", org["sales"], language="ru" if i == 0 else None)
        for i in range(3)
    ]
    db.session.commit()
    return org


@pytest.fixture
def fac(client, company):
    assert client.sign_in("facilitator@example.com", PASSWORD).status_code == 303
    return client


def signed_in(app, user):
    other = app.test_client()
    assert other.sign_in(user.email, PASSWORD).status_code == 303
    return other


def round_form(company, name="Spring 2026", opens="2026-03-01", closes="2026-03-31", k="5", departments=None):
    chosen = departments if departments is not None else [company["finance"], company["sales"], company["it"]]
    return {"name": name, "opens_on": opens, "closes_on": closes, "threshold": k,
            "department_ids": [str(d.id) for d in chosen]}


def make_round(company, state="draft", k=5):
    round_ = services.save_round(company["facilitator"], None, "Spring 2026", date(2026, 3, 1),
                                 date(2026, 3, 31), k, [company["finance"], company["sales"], company["it"]])
    if state != "draft":
        services.open_round(company["facilitator"], round_)
    if state in ("closed", "published"):
        services.close_round(company["facilitator"], round_)
    if state == "published":
        services.publish_round(company["facilitator"], round_)
    db.session.commit()
    return round_


def audit() -> list[tuple[str, str]]:
    return list(db.session.execute(audited(AuditEntry.action, AuditEntry.details).order_by(AuditEntry.id)))


def answer_all(round_, user) -> None:
    """The person finishes their list through the services (the pages are tested elsewhere)."""
    for target in services.targets_for(user, round_):
        if target.kind == "service":
            services.skip(user, round_, target)
        else:
            services.submit(user, round_, target, {rd.dimension_id: 4 for rd in round_.dimensions})
    db.session.commit()


# Who may ----------------------------------------------------------------------------------------

FACILITATOR_PAGES = [
    ("get", "/rounds"), ("get", "/rounds/new"), ("post", "/rounds/new"), ("get", "/rounds/{id}"),
    ("get", "/rounds/{id}/edit"), ("post", "/rounds/{id}/edit"), ("post", "/rounds/{id}/open"),
    ("post", "/rounds/{id}/close"), ("post", "/rounds/{id}/publish"), ("post", "/rounds/{id}/remind"),
]


@pytest.mark.parametrize("method,path", FACILITATOR_PAGES)
@pytest.mark.parametrize("who", ["admin@example.com", "employee@example.com", "head.finance@example.com"])
def test_only_facilitators_run_rounds(client, company, who, method, path):
    round_ = make_round(company)
    assert client.sign_in(who, PASSWORD).status_code == 303
    response = getattr(client, method)(path.format(id=round_.id), data=round_form(company, name="Taken"))
    assert response.status_code == 403
    assert round_.state == "draft" and round_.name == "Spring 2026" and count(Round) == 1


@pytest.mark.parametrize("method,path", FACILITATOR_PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, company, method, path):
    round_ = make_round(company)
    response = getattr(client, method)(path.format(id=round_.id), data=round_form(company, name="Taken"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert round_.state == "draft" and round_.name == "Spring 2026"


def test_unknown_rounds_are_not_found(fac):
    for method, path in FACILITATOR_PAGES:
        if "{id}" in path:
            assert getattr(fac, method)(path.format(id=999999)).status_code == 404
    assert fac.post("/rounds/1/delete").status_code == 404  # no such address: rounds are never deleted


# Creating and editing ---------------------------------------------------------------------------

def ticked(page: str, company) -> set[str]:
    return {name for name in ("finance", "sales", "it")
            if re.search(rf'<input checked[^>]*type="checkbox" value="{company[name].id}"', page)}


def test_the_first_round_form_ticks_no_department_until_asked_and_proposes_k_5(fac, company):
    response = fac.get("/rounds/new")
    assert response.status_code == 200
    page = page_text(response)
    assert ticked(page, company) == set()
    assert re.search(r'<input[^>]*name="threshold"[^>]*value="5"', page)
    assert "fixed once the round opens" in page
    assert 'type="date"' in page
    assert ticked(page_text(fac.get("/rounds/new?tick=all")), company) == {"finance", "sales", "it"}
    assert ticked(page_text(fac.get("/rounds/new?tick=none")), company) == set()


def test_a_new_round_starts_from_the_last_rounds_departments_and_threshold(fac, company):
    services.save_round(company["facilitator"], None, "Spring 2026", date(2026, 3, 1), date(2026, 3, 31), 7,
                        [company["finance"], company["sales"]])
    db.session.commit()
    page = page_text(fac.get("/rounds/new"))
    assert ticked(page, company) == {"finance", "sales"}
    assert re.search(r'<input[^>]*name="threshold"[^>]*value="7"', page)
    assert "Ticked: the departments of Spring 2026." in page


def test_a_facilitator_creates_a_round(fac, company):
    response = fac.post("/rounds/new", data=round_form(company, departments=[company["finance"],
                                                                             company["sales"]], k="7"))
    assert response.status_code == 303
    round_ = db.session.scalar(sa.select(Round))
    assert response.headers["Location"] == f"/rounds/{round_.id}"
    assert (round_.name, round_.opens_on, round_.closes_on, round_.threshold, round_.state) == (
        "Spring 2026", date(2026, 3, 1), date(2026, 3, 31), 7, "draft")
    assert round_.departments == [company["finance"], company["sales"]]
    page = page_text(fac.get(response.headers["Location"]))
    assert "Round Spring 2026 saved." in page and "Finance, Sales" in page
    assert "Open the round" in page and "Close the round" not in page
    assert audit() == [("round.create", "k=7; FIN, SAL")]


@pytest.mark.parametrize("change,message", [
    ({"closes": "2026-02-01"}, "The round cannot close before it opens."),
    ({"k": "2"}, "k is a whole number from 3 to 50."),
    ({"k": "51"}, "k is a whole number from 3 to 50."),
    ({"k": "five"}, "k is a whole number from 3 to 50."),
    ({"k": ""}, "k is a whole number from 3 to 50."),
    ({"departments": "one"}, "Choose at least two departments"),
    ({"departments": "none"}, "Choose at least two departments"),
    ({"name": "  "}, "This field is required."),
    ({"opens": "soon"}, "Give a date."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(fac, company, change, message):
    departments = {"one": [company["sales"]], "none": []}.get(change.pop("departments", None))
    response = fac.post("/rounds/new", data=round_form(company, departments=departments, **change))
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(Round) == 0 and audit() == []


def test_every_problem_of_the_round_form_shows_at_once_at_its_field(fac, company):
    data = round_form(company, name=" ", closes="2026-02-01", k="2", departments=[company["sales"]])
    page = fac.post("/rounds/new", data=data).get_data(as_text=True)
    for field, message in (("name", "This field is required."),
                           ("closes_on", "The round cannot close before it opens."),
                           ("threshold", "k is a whole number from 3 to 50."),
                           ("department_ids", "Choose at least two departments")):
        assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), field
    assert count(Round) == 0


def test_a_department_that_does_not_exist_is_refused(fac, company):
    data = round_form(company)
    data["department_ids"].append("999999")
    response = fac.post("/rounds/new", data=data)
    assert response.status_code == 200
    assert "not a valid choice" in page_text(response)
    assert count(Round) == 0


def test_editing_a_draft_round(fac, company):
    round_ = make_round(company)
    page = page_text(fac.get(f"/rounds/{round_.id}/edit"))
    assert 'value="Spring 2026"' in page and "disabled" not in page
    response = fac.post(f"/rounds/{round_.id}/edit", data=round_form(
        company, name="Spring", opens="2026-03-02", k="4", departments=[company["sales"], company["it"]]))
    assert response.status_code == 303
    assert (round_.name, round_.opens_on, round_.threshold) == ("Spring", date(2026, 3, 2), 4)
    assert round_.departments == [company["it"], company["sales"]]


def test_once_open_only_the_name_and_closing_date_change_and_k_is_fixed(fac, company):
    round_ = make_round(company, "open")
    page = page_text(fac.get(f"/rounds/{round_.id}/edit"))
    assert re.search(r'<input[^>]*disabled[^>]*name="threshold"', page)
    assert re.search(r'<input[^>]*disabled[^>]*name="opens_on"', page)
    assert len(re.findall(r'<input checked disabled[^>]*type="checkbox"', page)) == 3
    assert not re.search(r'<input[^>]*disabled[^>]*name="(name|closes_on)"', page)
    assert "only its name and closing date can change" in page
    # A browser sends no disabled fields.
    response = fac.post(f"/rounds/{round_.id}/edit", data={"name": "Spring, extended",
                                                           "closes_on": "2026-04-15"})
    assert response.status_code == 303
    assert (round_.name, round_.closes_on, round_.threshold) == ("Spring, extended", date(2026, 4, 15), 5)
    assert len(round_.departments) == 3
    fewer = [company["finance"], company["sales"]]
    for change in ({"k": "3"}, {"opens": "2026-02-01"}, {"departments": fewer}):
        data = round_form(company, closes="2026-04-20", **change)
        response = fac.post(f"/rounds/{round_.id}/edit", data=data)
        assert response.status_code == 200
        assert "Once a round is open, its threshold, departments and opening date are fixed." in \
            page_text(response)
    assert (round_.threshold, round_.opens_on, round_.closes_on) == (5, date(2026, 3, 1), date(2026, 4, 15))
    assert len(round_.departments) == 3


def test_a_closed_round_cannot_be_edited(fac, company):
    round_ = make_round(company, "closed")
    response = fac.get(f"/rounds/{round_.id}/edit")
    assert response.status_code == 303
    assert "A closed round cannot be changed." in page_text(fac.get(response.headers["Location"]))
    assert fac.post(f"/rounds/{round_.id}/edit", data=round_form(company, name="Renamed")).status_code == 303
    assert round_.name == "Spring 2026"
    assert "Edit" not in page_text(fac.get(f"/rounds/{round_.id}")).split("All rounds")[0]


def test_the_list_shows_rounds_newest_first(fac, company):
    make_round(company, "published")
    newer = services.save_round(company["facilitator"], None, "Autumn 2026", date(2026, 9, 1),
                                date(2026, 9, 30), 6, [company["finance"], company["sales"]])
    db.session.commit()
    response = fac.get("/rounds")
    assert response.status_code == 200
    page = page_text(response)
    assert page.index("Autumn 2026") < page.index("Spring 2026")
    assert f'href="/rounds/{newer.id}"' in page and "New round" in page
    assert "published" in page and "draft" in page


# Moving a round through its states --------------------------------------------------------------

def test_open_close_publish(fac, company):
    round_ = make_round(company)
    response = fac.post(f"/rounds/{round_.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == f"/rounds/{round_.id}"
    assert round_.state == "open" and len(round_.dimensions) == 9
    page = page_text(fac.get(f"/rounds/{round_.id}"))
    assert "The round is open" in page
    assert "Closing folds every waiting ballot and ends answering; nobody can answer after" in page
    assert db.session.get(Dimension, round_.dimensions[0].dimension_id).name in page

    asked = fac.post(f"/rounds/{round_.id}/close")  # cannot be undone: a page asks first
    assert asked.status_code == 200 and round_.state == "open"
    page = page_text(asked)
    assert f"Close {round_.name}?" in page and "This cannot be undone." in page
    assert 'name="confirmed" value="1"' in page and f'href="/rounds/{round_.id}">Cancel' in page
    assert fac.post(f"/rounds/{round_.id}/close", data=CONFIRMED).status_code == 303
    assert round_.state == "closed"
    page = page_text(fac.get(f"/rounds/{round_.id}"))
    assert "nobody can answer any more" in page
    assert "Publishing shows results to heads and facilitators" in page

    assert fac.post(f"/rounds/{round_.id}/publish").status_code == 200 and round_.state == "closed"
    assert fac.post(f"/rounds/{round_.id}/publish", data=CONFIRMED).status_code == 303
    assert round_.state == "published"
    page = page_text(fac.get(f"/rounds/{round_.id}"))
    assert "The results are published" in page
    for button in ("Open the round", "Close the round", "Publish the results"):
        assert button not in page
    assert [action for action, _details in audit()] == ["round.create", "round.open", "round.close",
                                                        "round.publish"]


@pytest.mark.parametrize("state,action,message", [
    ("open", "publish", "Only a closed round can be published."),
    ("draft", "close", "Only an open round can be closed."),
    ("draft", "publish", "Only a closed round can be published."),
    ("open", "open", "Only a draft round can be opened."),
    ("published", "close", "Only an open round can be closed."),
])
def test_wrong_moves_are_refused_with_a_message(fac, company, state, action, message):
    round_ = make_round(company, state)
    before = len(audit())
    response = fac.post(f"/rounds/{round_.id}/{action}", data=CONFIRMED)
    assert response.status_code == 303
    assert message in page_text(fac.get(response.headers["Location"]))
    assert round_.state == state and len(audit()) == before


def test_a_round_cannot_open_without_dimensions(fac, company):
    round_ = make_round(company)
    db.session.execute(sa.update(Dimension).values(retired=True))
    db.session.commit()
    response = fac.post(f"/rounds/{round_.id}/open")
    assert "Add at least one service dimension first." in page_text(fac.get(response.headers["Location"]))
    assert round_.state == "draft"


def test_moves_are_posts_only(fac, company):
    round_ = make_round(company)
    assert fac.get(f"/rounds/{round_.id}/open").status_code == 405
    assert fac.post(f"/rounds/{round_.id}/reopen").status_code == 404
    assert round_.state == "draft"


def test_closing_folds_every_waiting_ballot(fac, company):
    round_ = make_round(company, "open")
    erin = company["employee"]
    services.submit(erin, round_, services.find_target(erin, round_, f"d{company['finance'].id}"),
                    {rd.dimension_id: 3 for rd in round_.dimensions}, "fine")
    db.session.commit()
    assert count(PendingBallot) == 1
    assert fac.post(f"/rounds/{round_.id}/close", data=CONFIRMED).status_code == 303
    assert count(PendingBallot) == 0 and count(Participation) == 0
    # Everyone taking part keeps a completion (how much of their list they did), nothing more.
    done = dict(db.session.execute(sa.select(Completion.user_id, Completion.done)).tuples().all())
    assert done[erin.id] == 1 and sum(done.values()) == 1


# Response rates and reminders -------------------------------------------------------------------

def rate_rows(page: str) -> dict[str, list[str]]:
    table = page.split("Response rates per department")[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S)
    return {name: re.findall(r'<td class="num">(\d+)</td>', cells) + re.findall(r"(\d+)%</span>", cells)
            for name, cells in rows}


def test_response_rates_show_counts_and_never_scores(app, fac, company):
    round_ = make_round(company, "open")
    erin, sam = company["sellers"][:2]
    answer_all(round_, erin)  # finished
    services.submit(sam, round_, services.find_target(sam, round_, "company"),
                    {rd.dimension_id: 1 for rd in round_.dimensions})  # started
    db.session.commit()
    response = fac.get(f"/rounds/{round_.id}")
    page = page_text(response)
    # Finance: Hana and Fay; Sales: five people; IT: nobody.
    assert rate_rows(page) == {"Finance": ["2", "0", "0", "0"], "IT": ["0", "0", "0"],
                               "Sales": ["5", "2", "1", "20"]}
    assert "<progress" in page and "1 of 7 people finished" in page
    assert "While the round is open nobody sees any score" in page
    for word in ("mean", "average", "Average", "Mean"):
        assert word not in page
    assert "4 people have not finished" not in page and "6 people have not finished." in page
    listing = page_text(fac.get("/rounds"))
    assert "1 of 7" in listing


def test_reminding_without_mail_lists_who_has_not_finished(app, fac, company):
    round_ = make_round(company, "open")
    erin = company["employee"]
    answer_all(round_, erin)
    response = fac.post(f"/rounds/{round_.id}/remind")
    assert response.status_code == 200
    page = page_text(response)
    assert "No mail server is configured" in page
    for person in company["sellers"][1:] + [company["head"], company["facilitator"]]:
        assert person.name in page and person.email in page
    assert "Erin Employee" not in page and "employee@example.com" not in page
    assert "Ada Admin" not in page  # not in any department taking part
    assert f"http://localhost/rounds/{round_.id}/rate" in page
    assert audit()[-1] == ("round.remind", "6 people")
    entries = " ".join(f"{e.target} {e.details}" for e in db.session.scalars(sa.select(AuditEntry)))
    for person in company["sellers"] + [company["head"]]:
        assert person.name not in entries and person.email not in entries


def test_nobody_to_remind_when_everyone_finished(fac, company):
    round_ = services.save_round(company["facilitator"], None, "Small", date(2026, 3, 1), date(2026, 3, 31),
                                 3, [company["finance"], company["it"]])
    services.open_round(company["facilitator"], round_)
    db.session.commit()
    for person in (company["head"], company["facilitator"]):
        answer_all(round_, person)
    assert "Everyone has finished." in page_text(fac.get(f"/rounds/{round_.id}"))
    response = fac.post(f"/rounds/{round_.id}/remind")
    assert response.status_code == 303
    assert "nobody to remind" in page_text(fac.get(response.headers["Location"]))
    assert [a for a, _d in audit()].count("round.remind") == 0


def test_only_an_open_round_has_people_to_remind(fac, company):
    round_ = make_round(company, "closed")
    response = fac.post(f"/rounds/{round_.id}/remind")
    assert response.status_code == 303
    assert "Only people in an open round can be reminded." in page_text(fac.get(response.headers["Location"]))
    assert "Remind them" not in page_text(fac.get(f"/rounds/{round_.id}"))


def test_reminding_with_mail_queues_a_reminder_the_tick_sends(fac, company, inbox):
    round_ = make_round(company, "open")
    answer_all(round_, company["employee"])
    send_due(utcnow())  # the round's opening, told to everyone in it
    inbox.clear()
    response = fac.post(f"/rounds/{round_.id}/remind")
    assert response.status_code == 303 and inbox == []  # nothing leaves inside the request
    page = page_text(fac.get(response.headers["Location"]))
    assert "6 reminders will be sent within a minute." in page
    assert audit()[-1] == ("round.remind", "6 people")
    send_due(utcnow())
    expected = {p.email for p in company["sellers"][1:] + [company["head"], company["facilitator"]]}
    assert {m["To"] for m in inbox} == expected and len(inbox) == 6
    for message in inbox:
        body = message.get_payload(decode=True).decode()
        assert f"http://localhost/rounds/{round_.id}/rate" in body
        subject = str(make_header(decode_header(message["Subject"])))
        assert "Spring 2026" in subject and ("Напоминание" if message["To"] == "seller0@example.com"
                                             else "Reminder") in subject


def test_reminding_twice_a_day_queues_nothing_more(fac, company, inbox):
    round_ = make_round(company, "open")
    fac.post(f"/rounds/{round_.id}/remind")
    response = fac.post(f"/rounds/{round_.id}/remind")
    page = page_text(fac.get(response.headers["Location"]))
    assert "Everyone who has not finished was reminded of this round today already." in page
    assert count(Notice, Notice.kind == "reminder") == 7


def test_reminding_sends_nothing_inside_the_request(app, fac, company):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)  # nothing listens there
    round_ = make_round(company, "open")
    response = fac.post(f"/rounds/{round_.id}/remind")
    assert response.status_code == 303
    assert "7 reminders will be sent within a minute." in page_text(fac.get(response.headers["Location"]))
    assert count(Notice, Notice.kind == "reminder", Notice.state == "pending") == 7
