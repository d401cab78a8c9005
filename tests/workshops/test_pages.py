"""Workshop pages: who sees and does what, every action by plain post and by htmx, bad input, the live
board's cheap poll, anonymous cards, and the minutes with their downloads."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from app.metrics.models import Reading
from app.projects import services as projects
from app.projects.models import Project, RootCause
from app.ratings import services as ratings
from app.workshops import services
from app.workshops.models import Card, Participant, Vote, Workshop
from tests.factories import PASSWORD, count, count_statements, form_token_of, make_department, page_text
from tests.projects.test_services import START, make_metric

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ws(org):
    """A workshop of Finance and Sales; the employee (Sales) and the head of Finance take part, the
    facilitator runs it without taking part; the head of Sales and the admin are outsiders."""
    seed_default_dimensions()
    workshop = services.save_workshop(org["facilitator"], None, "Quarter close", date(2026, 6, 1), None,
                                      [org["finance"], org["sales"]], [org["employee"], org["head"]], 3,
                                      False, False)
    db.session.commit()
    return workshop


def sign_in(client, person):
    """Sign in as `person`, signing out whoever was signed in before."""
    client.post("/logout")
    assert client.sign_in(person.email, PASSWORD).status_code == 303


def to_phase(org, workshop, phase):
    while workshop.phase != phase:
        services.move_phase(org["facilitator"], workshop, 1)
    db.session.commit()


def cause(key):
    return db.session.scalar(sa.select(RootCause).where(RootCause.key == key))


def a_card(org, workshop, text="Invoices reach Sales late", author="employee", key="processes"):
    card = services.add_card(org[author], workshop, text, ordered()[0], cause(key))
    db.session.commit()
    return card


def card_data(text="Approvals take a week", dimension=None, root_cause=None):
    return {"text": text, "dimension_id": dimension.id if dimension else 0,
            "root_cause_id": root_cause.id if root_cause else 0}


def url(workshop, tail=""):
    return f"/workshops/{workshop.id}{tail}"


# Access ------------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client, ws):
    for path in ("/workshops", url(ws), url(ws, "/poll?version=0"), url(ws, "/minutes"), "/workshops/new"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize("who,status", [("employee", 200), ("head", 200), ("facilitator", 200),
                                        ("sales_head", 403), ("admin", 403)])
def test_the_board_and_minutes_are_for_participants_and_facilitators(client, org, ws, who, status):
    sign_in(client, org[who])
    for path in (url(ws), url(ws, "/poll?version=0"), url(ws, "/minutes"), url(ws, "/minutes.md"),
                 url(ws, "/minutes.csv")):
        assert client.get(path).status_code == status, path


def test_the_list_shows_each_person_their_workshops(client, org, ws):
    sign_in(client, org["facilitator"])
    page = page_text(client.get("/workshops"))
    assert "Quarter close" in page and "New workshop" in page
    sign_in(client, org["employee"])
    page = page_text(client.get("/workshops"))
    assert "Quarter close" in page and "New workshop" not in page
    sign_in(client, org["sales_head"])
    page = page_text(client.get("/workshops"))
    assert "Quarter close" not in page and "You are not taking part in any workshop." in page


@pytest.mark.parametrize("who", ["employee", "head", "admin"])
def test_only_facilitators_set_up_and_run_workshops(client, org, ws, who):
    sign_in(client, org[who])
    assert client.get("/workshops/new").status_code == 403
    assert client.get(url(ws, "/edit")).status_code == 403
    assert client.post(url(ws, "/phase"), data={"step": "1"}).status_code == 403
    assert client.post(url(ws, "/merge"), data={}).status_code == 403
    assert ws.phase == "scheduled" and count(Workshop) == 1


# Set-up ------------------------------------------------------------------------------------------

def setup_data(org, **changes):
    data = {"title": "Hand-offs", "held_on": "2026-07-01", "round_id": 0,
            "department_ids": [org["finance"].id, org["sales"].id],
            "participant_ids": [org["employee"].id, org["head"].id], "vote_budget": "5",
            "anonymous_cards": "y"}
    data.update(changes)
    return data


def test_a_facilitator_sets_up_a_workshop(client, org):
    sign_in(client, org["facilitator"])
    form = client.get("/workshops/new")
    page = page_text(form)
    assert form.status_code == 200
    # People are ticked in a checklist grouped by department, not Ctrl-clicked in a four-row list.
    sales = page[page.index('data-department="{}"'.format(org["sales"].id)):]
    sales = sales[:sales.index("</div>")]
    assert '<p class="people-group-name">Sales</p>' in sales and "Erin Employee" in sales
    assert f'type="checkbox" value="{org["employee"].id}"' in sales
    response = client.post("/workshops/new", data=setup_data(org))
    assert response.status_code == 303
    workshop = db.session.scalar(sa.select(Workshop))
    assert response.headers["Location"].endswith(url(workshop))
    assert (workshop.title, workshop.vote_budget, workshop.anonymous_cards) == ("Hand-offs", 5, True)
    assert {p.user_id: p.votes_left for p in workshop.participants} == {org["employee"].id: 5,
                                                                        org["head"].id: 5}
    assert "Hand-offs" in page_text(client.get(url(workshop)))


def test_the_new_workshop_form_sent_again_finds_the_workshop_it_made(client, org):
    """A double-click or a form sent again: the second copy goes to the first one's board, calmly."""
    sign_in(client, org["facilitator"])
    form = client.get("/workshops/new")
    data = setup_data(org, form_token=form_token_of(form))
    first, second = client.post("/workshops/new", data=data), client.post("/workshops/new", data=data)
    workshop = db.session.scalar(sa.select(Workshop))
    assert count(Workshop) == 1
    assert [(r.status_code, r.headers["Location"]) for r in (first, second)] == [(303, url(workshop))] * 2
    page = page_text(client.get(url(workshop)))
    assert "Workshop Hand-offs saved." in page and "This workshop was already created: here it is." in page
    assert 'name="form_token"' not in client.get(url(workshop, "/edit")).get_data(as_text=True)


def test_a_damaged_one_time_value_is_refused_with_a_message(client, org):
    sign_in(client, org["facilitator"])
    response = client.post("/workshops/new", data=setup_data(org, form_token="x\x00" * 40))
    assert response.status_code == 422
    assert "This form came back altered: its one-time mark is not one the app gave." in page_text(response)
    assert count(Workshop) == 0
    renewed = setup_data(org, form_token=form_token_of(response))
    assert client.post("/workshops/new", data=renewed).status_code == 303


@pytest.mark.parametrize("changes,message", [
    ({"department_ids": []}, "choose at least two"),
    ({"vote_budget": "0"}, "The vote budget is a whole number from 1 to 20."),
    ({"vote_budget": "21"}, "The vote budget is a whole number from 1 to 20."),
    ({"title": " "}, "This field is required."),
    ({"held_on": "not a date"}, "Give a date."),
])
def test_set_up_with_bad_input_says_why_and_saves_nothing(client, org, changes, message):
    sign_in(client, org["facilitator"])
    response = client.post("/workshops/new", data=setup_data(org, **changes))
    assert response.status_code == 422
    assert message in page_text(response)
    assert count(Workshop) == 0


def test_a_participant_outside_the_departments_is_refused(client, org):
    sign_in(client, org["facilitator"])
    response = client.post("/workshops/new", data=setup_data(org, participant_ids=[org["admin"].id]))
    # the admin belongs to no department: not even offered
    assert response.status_code == 422 and count(Workshop) == 0
    sales_only = setup_data(org, department_ids=[org["sales"].id], participant_ids=[org["head"].id])
    response = client.post("/workshops/new", data=sales_only)
    assert response.status_code == 422 and count(Workshop) == 0


def test_the_budget_is_fixed_once_started(client, org, ws):
    to_phase(org, ws, "review")
    sign_in(client, org["facilitator"])
    response = client.post(url(ws, "/edit"), data=setup_data(org, title="Quarter close", vote_budget="7",
                                                              anonymous_cards=""))
    assert response.status_code == 422
    assert "The vote budget is fixed once the workshop has started." in page_text(response)
    assert ws.vote_budget == 3
    # Its title still changes; the departments' boxes are disabled, so the browser does not send them.
    response = client.post(url(ws, "/edit"), data=setup_data(org, title="Quarter close, revisited",
                                                              department_ids=[], vote_budget="3",
                                                              anonymous_cards=""))
    assert response.status_code == 303 and ws.title == "Quarter close, revisited"
    assert {d.name for d in ws.departments} == {"Finance", "Sales"}


# Phases and the live poll ------------------------------------------------------------------------

def test_the_facilitator_moves_the_phase_and_back_without_javascript(client, org, ws):
    sign_in(client, org["facilitator"])
    before = ws.version
    response = client.post(url(ws, "/phase"), data={"step": "1", "phase": "scheduled"})
    assert response.status_code == 303 and response.headers["Location"].endswith(url(ws))
    assert ws.phase == "review" and ws.version > before
    page = page_text(client.get(url(ws)))
    assert "The workshop is now in the Review phase." in page
    assert "Previous phase: Scheduled" in page and "Next phase: Collect" in page
    assert client.post(url(ws, "/phase"), data={"step": "-1", "phase": "review"}).status_code == 303
    assert ws.phase == "scheduled"


@pytest.mark.parametrize("step", ["2", "", "forward"])
def test_a_bad_step_changes_nothing(client, org, ws, step):
    sign_in(client, org["facilitator"])
    version = ws.version
    client.post(url(ws, "/phase"), data={"step": step, "phase": "scheduled"})
    assert "Choose the next or the previous phase." in page_text(client.get(url(ws)))
    assert (ws.phase, ws.version) == ("scheduled", version)


def test_no_phase_beyond_the_ends(client, org, ws):
    sign_in(client, org["facilitator"])
    client.post(url(ws, "/phase"), data={"step": "-1", "phase": "scheduled"})
    assert "no phase before this one" in page_text(client.get(url(ws)))
    to_phase(org, ws, "wrapup")
    response = client.post(url(ws, "/phase"), data={"step": "1", "phase": "wrapup"}, headers=HTMX)
    assert response.status_code == 200 and "The wrap-up is the last phase." in page_text(response)
    assert ws.phase == "wrapup"


@pytest.mark.parametrize("who", ["employee", "facilitator"])
def test_an_unchanged_poll_answers_204_with_one_cheap_query(client, org, ws, who):
    sign_in(client, org[who])
    client.get(url(ws))  # a first request settles the session cookie
    path = url(ws, f"/poll?version={ws.version}")
    with count_statements() as seen:
        response = client.get(path, headers=HTMX)
    assert response.status_code == 204 and response.get_data() == b""
    assert len(seen) <= 3, seen


def test_a_poll_after_a_change_brings_the_fresh_board(client, org, ws):
    sign_in(client, org["employee"])
    old = ws.version
    to_phase(org, ws, "collect")
    response = client.get(url(ws, f"/poll?version={old}"), headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="board"' in body and "Phase: Collect" in page_text(response)
    assert f"/poll?version={ws.version}" in body  # the next poll brings the new version
    assert client.get(url(ws, f"/poll?version={ws.version}"), headers=HTMX).status_code == 204


def test_the_board_is_polled_and_works_without_javascript(client, org, ws):
    sign_in(client, org["employee"])
    body = client.get(url(ws)).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in body and f"/poll?version={ws.version}" in body
    assert "reload the page" in page_text(client.get(url(ws)))


# Cards -------------------------------------------------------------------------------------------

def test_participants_add_named_cards_by_plain_post(client, org, ws):
    to_phase(org, ws, "collect")
    sign_in(client, org["employee"])
    response = client.post(url(ws, "/cards"), data=card_data(dimension=ordered()[0],
                                                             root_cause=cause("people")))
    assert response.status_code == 303 and response.headers["Location"].endswith(url(ws))
    card = db.session.scalar(sa.select(Card))
    assert (card.text, card.author_id, card.root_cause.key) == ("Approvals take a week", org["employee"].id,
                                                                "people")
    sign_in(client, org["head"])
    page = page_text(client.get(url(ws)))
    assert "Approvals take a week" in page and "Erin Employee" in page


def test_adding_a_card_by_htmx_answers_the_fresh_board(client, org, ws):
    to_phase(org, ws, "collect")
    sign_in(client, org["head"])
    response = client.post(url(ws, "/cards"), data=card_data(), headers=HTMX)
    assert response.status_code == 200
    body = page_text(response)
    assert "<html" not in body and "Card added." in body and "Approvals take a week" in body
    assert f"/poll?version={ws.version}" in body


@pytest.mark.parametrize("data,message", [
    (card_data(text=" "), "This field is required."),
    (card_data(text="x" * 501), "Field cannot be longer than 500 characters."),
    ({"text": "Late", "dimension_id": "999", "root_cause_id": "0"}, "Not a valid choice."),
    (card_data(text="nul\x00byte"), "cannot be stored"),  # the forms' base's message was a 500 here
])
def test_a_bad_card_says_why_and_adds_nothing(client, org, ws, data, message):
    to_phase(org, ws, "collect")
    sign_in(client, org["employee"])
    client.post(url(ws, "/cards"), data=data)
    assert message in page_text(client.get(url(ws)))
    assert count(Card) == 0


def test_cards_only_in_the_collect_phase_and_only_from_participants(client, org, ws):
    to_phase(org, ws, "review")
    sign_in(client, org["employee"])
    response = client.post(url(ws, "/cards"), data=card_data(), headers=HTMX)
    assert "Cards are added in the collect phase." in page_text(response)
    to_phase(org, ws, "collect")
    sign_in(client, org["sales_head"])
    assert client.post(url(ws, "/cards"), data=card_data()).status_code == 403
    assert count(Card) == 0


def test_the_author_edits_and_withdraws_a_named_card_and_nobody_else_can(client, org, ws):
    to_phase(org, ws, "collect")
    card = a_card(org, ws)
    sign_in(client, org["head"])
    assert client.get(url(ws, f"/cards/{card.id}/edit")).status_code == 403
    assert client.post(url(ws, f"/cards/{card.id}/edit"), data=card_data("Mine now")).status_code == 403
    client.post(url(ws, f"/cards/{card.id}/withdraw"))
    assert "You can withdraw only your own cards." in page_text(client.get(url(ws)))
    assert card.text == "Invoices reach Sales late"
    sign_in(client, org["employee"])
    assert client.get(url(ws, f"/cards/{card.id}/edit")).status_code == 200
    assert client.post(url(ws, f"/cards/{card.id}/edit"), data=card_data(" ")).status_code == 422
    assert card.text == "Invoices reach Sales late"
    response = client.post(url(ws, f"/cards/{card.id}/edit"), data=card_data("Invoices come a week late"))
    assert response.status_code == 303 and card.text == "Invoices come a week late"
    assert client.post(url(ws, f"/cards/{card.id}/withdraw")).status_code == 303
    assert count(Card) == 0


def test_on_a_named_workshop_a_writer_may_post_a_card_without_their_name(client, app, org, ws):
    to_phase(org, ws, "collect")
    sign_in(client, org["employee"])
    assert "Post it without my name" in page_text(client.get(url(ws)))
    client.post(url(ws, "/cards"), data=card_data("Signed card"))
    client.post(url(ws, "/cards"), data=card_data("Unsigned card") | {"anonymous": "y"})
    assert "Withdraw" in page_text(client.get(url(ws)))
    other = app.test_client()
    sign_in(other, org["head"])
    shown = page_text(other.get(url(ws)))

    def meta(text):  # what the board says under the card
        found = re.search(rf'card-text">{text}</p>\s*<p class="card-meta">(.*?)</p>', shown, re.S)
        return re.sub(r"<[^>]+>", "", found.group(1)).strip()

    assert meta("Signed card") == "— Erin Employee"
    assert meta("Unsigned card") == "— anonymous" and shown.count("Erin Employee") == 1
    unsigned = db.session.scalar(sa.select(Card).where(Card.text == "Unsigned card"))
    assert unsigned.author_id is None
    assert other.get(url(ws, f"/cards/{unsigned.id}/edit")).status_code == 403
    assert client.get(url(ws, f"/cards/{unsigned.id}/edit")).status_code == 200


def test_an_anonymous_card_shows_and_stores_no_author_yet_its_writer_can_change_it(client, app, org, ws):
    ws.anonymous_cards = True
    to_phase(org, ws, "collect")
    sign_in(client, org["employee"])
    client.post(url(ws, "/cards"), data=card_data("Nobody answers the phone"))
    card = db.session.scalar(sa.select(Card))
    assert card.author_id is None
    page = page_text(client.get(url(ws)))
    assert "Nobody answers the phone" in page
    assert "Withdraw" in page  # listed among "my cards" in this session
    # The writer edits it in the same session...
    response = client.post(url(ws, f"/cards/{card.id}/edit"), data=card_data("Nobody answers calls"))
    assert response.status_code == 303 and card.text == "Nobody answers calls"
    # ...another participant sees it without any author, and cannot touch it.
    other = app.test_client()
    sign_in(other, org["head"])
    board = other.get(url(ws))
    shown = page_text(board)
    assert "Nobody answers calls" in shown and "Erin Employee" not in shown
    assert other.get(url(ws, f"/cards/{card.id}/edit")).status_code == 403
    other.post(url(ws, f"/cards/{card.id}/withdraw"))
    assert count(Card) == 1
    # The writer signed in afresh is a new session: the card is no longer theirs to change.
    sign_in(client, org["employee"])
    assert client.get(url(ws, f"/cards/{card.id}/edit")).status_code == 403


def session_values(client, app) -> list:
    """Every value the session cookie carries, read as anyone holding the cookie can (it is signed, not
    encrypted), nested lists and dicts opened."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    found, pending = [], [app.session_interface.get_signing_serializer(app).loads(cookie.value)]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)
        else:
            found.append(value)
    return found


def test_the_cookie_does_not_tell_which_anonymous_cards_its_holder_wrote(client, app, org, ws):
    ws.anonymous_cards = True
    to_phase(org, ws, "collect")
    for n in range(6):  # the card to write gets an id unlike the person's id or the form counter
        a_card(org, ws, f"Someone else's card {n}")
    sign_in(client, org["employee"])
    client.post(url(ws, "/cards"), data=card_data("The phone rings out"))
    card = db.session.scalar(sa.select(Card).where(Card.text == "The phone rings out"))
    assert card.author_id is None
    values = session_values(client, app)
    assert card.id not in values and str(card.id) not in values
    # Yet the writer may still withdraw it, and nobody else may.
    other = app.test_client()
    sign_in(other, org["head"])
    other.post(url(ws, f"/cards/{card.id}/withdraw"))
    assert count(Card) == 7
    assert client.post(url(ws, f"/cards/{card.id}/withdraw")).status_code == 303
    assert count(Card) == 6


def test_a_card_of_another_workshop_is_not_there(client, org, ws):
    other = services.save_workshop(org["facilitator"], None, "Other", date(2026, 6, 2), None,
                                   [org["finance"], org["sales"]], [org["employee"]], 3, False, False)
    to_phase(org, other, "collect")
    card = a_card(org, other)
    to_phase(org, ws, "collect")
    sign_in(client, org["employee"])
    assert client.get(url(ws, f"/cards/{card.id}/edit")).status_code == 404
    assert client.post(url(ws, f"/cards/{card.id}/withdraw")).status_code == 404


# Grouping ----------------------------------------------------------------------------------------

def test_the_facilitator_merges_cards_and_everyone_sees_the_group(client, org, ws):
    to_phase(org, ws, "collect")
    first, second = a_card(org, ws), a_card(org, ws, "Invoices arrive late", author="head")
    to_phase(org, ws, "group")
    sign_in(client, org["facilitator"])
    response = client.post(url(ws, "/merge"), data={"group_id": first.id, "card_ids": [second.id]})
    assert response.status_code == 303
    assert second.merged_into_id == first.id
    sign_in(client, org["employee"])
    page = page_text(client.get(url(ws)))
    assert "Invoices reach Sales late" in page and "Invoices arrive late" in page
    assert "count for its group" in page


@pytest.mark.parametrize("pick", ["itself", "none", "unknown"])
def test_a_bad_merge_says_why_and_changes_nothing(client, org, ws, pick):
    to_phase(org, ws, "collect")
    first, _second = a_card(org, ws), a_card(org, ws, "Invoices arrive late", author="head")
    to_phase(org, ws, "group")
    sign_in(client, org["facilitator"])
    cards = {"itself": [first.id], "none": [], "unknown": [9999]}[pick]
    response = client.post(url(ws, "/merge"), data={"group_id": first.id, "card_ids": cards}, headers=HTMX)
    assert response.status_code == 200
    assert re.search(r"cannot be merged into itself|Choose at least one card|not a valid choice",
                     page_text(response), re.IGNORECASE)
    assert db.session.scalar(sa.select(sa.func.count()).where(Card.merged_into_id.is_not(None))) == 0


# Voting ------------------------------------------------------------------------------------------

def voting(org, ws):
    to_phase(org, ws, "collect")
    cards = a_card(org, ws), a_card(org, ws, "Invoices arrive late", author="head")
    to_phase(org, ws, "vote")
    return cards


def test_dots_within_the_budget_progress_without_detail(client, org, ws):
    first, second = voting(org, ws)
    sign_in(client, org["employee"])
    page = page_text(client.get(url(ws)))
    assert "0 of 2 participants have voted" in page and "You have 3 dots left." in page
    for _ in range(2):
        assert client.post(url(ws, f"/cards/{first.id}/vote")).status_code == 303
    response = client.post(url(ws, f"/cards/{second.id}/vote"), headers=HTMX)
    body = page_text(response)
    assert "1 of 2 participants have voted" in body and "You have 0 dots left." in body
    assert len(re.findall(r'<button[^>]*disabled>\+1 dot', body)) == 2  # nothing left to put: +1 is off
    client.post(url(ws, f"/cards/{second.id}/vote"))
    assert "You have no dots left" in page_text(client.get(url(ws)))
    assert count(Vote) == 3
    assert client.post(url(ws, f"/cards/{first.id}/unvote")).status_code == 303
    assert count(Vote) == 2
    assert db.session.get(Participant, (ws.id, org["employee"].id)).votes_left == 1
    # Others see how many have voted, never for what.
    sign_in(client, org["head"])
    page = page_text(client.get(url(ws)))
    assert "1 of 2 participants have voted" in page and "You have 3 dots left." in page
    assert "dots:" not in page.lower() and "0 of my dots" in page  # no totals while the vote runs


def test_taking_back_a_dot_never_put_changes_nothing(client, org, ws):
    first, _second = voting(org, ws)
    sign_in(client, org["employee"])
    client.post(url(ws, f"/cards/{first.id}/unvote"))
    assert "You have no dot on this card." in page_text(client.get(url(ws)))
    assert db.session.get(Participant, (ws.id, org["employee"].id)).votes_left == 3


def test_the_facilitator_abstains_and_outsiders_cannot_vote(client, org, ws):
    first, _second = voting(org, ws)
    sign_in(client, org["facilitator"])
    page = page_text(client.get(url(ws)))
    assert "you abstain" in page and "+1 dot" not in page
    client.post(url(ws, f"/cards/{first.id}/vote"))
    assert "Only participants vote" in page_text(client.get(url(ws)))
    sign_in(client, org["sales_head"])
    assert client.post(url(ws, f"/cards/{first.id}/vote")).status_code == 403
    assert count(Vote) == 0


def test_no_votes_outside_the_vote_phase(client, org, ws):
    first, _second = voting(org, ws)
    to_phase(org, ws, "projects")
    sign_in(client, org["employee"])
    client.post(url(ws, f"/cards/{first.id}/vote"))
    assert "Votes are cast in the vote phase." in page_text(client.get(url(ws)))
    assert count(Vote) == 0


# Projects and minutes ----------------------------------------------------------------------------

def test_the_top_card_becomes_a_proposed_project_listed_in_the_minutes(client, org, ws):
    first, second = voting(org, ws)
    services.vote(org["employee"], second)
    to_phase(org, ws, "projects")
    sign_in(client, org["facilitator"])
    page = page_text(client.get(url(ws)))
    assert page.index("Invoices arrive late") < page.index("Invoices reach Sales late")  # ranked
    prefix = f"card{second.id}-"
    bad = {prefix + "title": "Invoices on time", prefix + "owner_department_id": org["finance"].id}
    response = client.post(url(ws, f"/cards/{second.id}/project"), data=bad, headers=HTMX)
    assert "at least one participating department besides the owner" in page_text(response)
    assert count(Project) == 0
    good = {**bad, prefix + "department_ids": [org["sales"].id]}
    response = client.post(url(ws, f"/cards/{second.id}/project"), data=good)
    assert response.status_code == 303
    project = db.session.scalar(sa.select(Project))
    assert (project.title, project.status, project.owner_department) == ("Invoices on time", "proposed",
                                                                         org["finance"])
    assert second.project_id == project.id and project.root_cause.key == "processes"
    to_phase(org, ws, "wrapup")
    sign_in(client, org["employee"])
    assert client.post(url(ws, f"/cards/{first.id}/project"), data=good).status_code == 403
    minutes = page_text(client.get(url(ws, "/minutes")))
    assert "Invoices on time" in minutes and "Erin Employee (Sales)" in minutes
    markdown = client.get(url(ws, "/minutes.md"))
    assert markdown.mimetype == "text/markdown" and "Invoices on time" in markdown.get_data(as_text=True)
    assert "attachment" in markdown.headers["Content-Disposition"]


def minutes_csv(client, ws, table, delimiter=","):
    response = client.get(url(ws, f"/minutes.csv?table={table}"))
    assert response.mimetype == "text/csv"
    name = f"workshop-{ws.id}-minutes-{table}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # the byte-order mark Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))
    assert all(len(row) == len(rows[0]) for row in rows)  # one table: a header and rows as long as it
    return rows


def test_the_minutes_page_links_each_table_as_a_csv_file_of_its_own(client, org, ws):
    to_phase(org, ws, "collect")
    a_card(org, ws, "=HYPERLINK(\"http://evil\")")
    to_phase(org, ws, "wrapup")
    sign_in(client, org["head"])
    page = page_text(client.get(url(ws, "/minutes")))
    links = re.findall(r'href="/workshops/\d+/minutes\.csv\?table=(\w+)"', page)
    assert links == ["summary", "participants", "cards", "decisions", "root_causes"]
    for table in links:
        minutes_csv(client, ws, table)
    cards = minutes_csv(client, ws, "cards")
    assert cards[0][:2] == ["Rank", "Card"]
    assert cards[1][:3] == ["1", "'=HYPERLINK(\"http://evil\")", ""]  # kept as text, not run as a formula
    assert cards[1][6:8] == ["0", "0.00"]
    assert client.get(url(ws, "/minutes.csv?table=nonsense")).status_code == 404


def test_a_russian_reader_gets_the_minutes_with_semicolons_and_decimal_commas(client, org, ws):
    to_phase(org, ws, "collect")
    a_card(org, ws, "Счета приходят поздно; всегда")
    to_phase(org, ws, "wrapup")
    sign_in(client, org["head"])
    client.post("/language", data={"language": "ru"})
    cards = minutes_csv(client, ws, "cards", delimiter=";")
    assert cards[0][:2] == ["Место", "Карточка"]
    assert cards[1][:2] == ["1", "Счета приходят поздно; всегда"] and cards[1][7] == "0,00"
    causes = minutes_csv(client, ws, "root_causes", delimiter=";")
    assert all(line[1].isdigit() and (line[2].isdigit() or line[2] == "") for line in causes[1:])


# Review and root causes --------------------------------------------------------------------------

def test_the_review_board_says_why_it_is_empty_without_a_round(client, org, ws):
    to_phase(org, ws, "review")
    sign_in(client, org["employee"])
    assert "This workshop works from no rating round." in page_text(client.get(url(ws)))


def test_the_review_board_reads_through_the_gate(client, org, ws):
    round_ = ratings.save_round(org["facilitator"], None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 5,
                                [org["finance"], org["sales"]])
    for move in (ratings.open_round, ratings.close_round, ratings.publish_round):
        move(org["facilitator"], round_)
    ws.round_id = round_.id
    to_phase(org, ws, "review")
    sign_in(client, org["head"])
    page = page_text(client.get(url(ws)))
    assert "From Spring" in page and "Weak spots" in page and "Tensions in the service matrix" in page
    assert "not enough responses" in page  # nobody rated: no figure at all


def test_the_board_shows_the_root_causes_of_the_cards_beside_the_typical_split(client, org, ws):
    to_phase(org, ws, "collect")
    a_card(org, ws, key="clients")
    sign_in(client, org["employee"])
    response = client.get(url(ws))
    page = page_text(response)
    assert "Root causes of the cards" in page and "20–30%" in page
    row = re.search(r"<th scope=\"row\">[^<]*Client[^<]*</th><td class=\"num\">(\d+)</td><td class=\"num\">"
                    r"([^<]+)</td>", response.get_data(as_text=True))
    assert row and row.groups() == ("1", "100%")


def test_the_set_up_keeps_the_chosen_round(client, org):
    seed_default_dimensions()
    round_ = ratings.save_round(org["facilitator"], None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 5,
                                [org["finance"], org["sales"]])
    ratings.open_round(org["facilitator"], round_)
    db.session.commit()
    sign_in(client, org["facilitator"])
    assert "Spring" in page_text(client.get("/workshops/new"))
    assert client.post("/workshops/new", data=setup_data(org, round_id=round_.id)).status_code == 303
    workshop = db.session.scalar(sa.select(Workshop))
    assert workshop.round_id == round_.id
    services.move_phase(org["facilitator"], workshop, 1)
    db.session.commit()
    assert "The results of Spring are not published yet." in page_text(client.get(url(workshop)))


def test_the_review_lists_the_open_projects_of_the_departments_taking_part(client, org, ws):
    metric = make_metric(values=(40, 42, 44))
    started = projects.save_project(org["head"], None, projects.ProjectData(
        title="Faster invoices", owner_department=org["finance"], departments=[org["sales"]], metric=metric,
        target_value=60.0, target_date=date(2027, 1, 1)))
    projects.move(org["head"], started, "start", on=START)
    db.session.add(Reading(metric=metric, taken_on=START + timedelta(days=1), value=50))
    projects.add_task(org["head"], started, "Chase", org["employee"], date.today() - timedelta(days=1))
    cancelled = projects.save_project(org["head"], None, projects.ProjectData(
        title="Dropped idea", owner_department=org["sales"], departments=[org["finance"]]))
    projects.move(org["head"], cancelled, "cancel")
    it, hr = make_department("IT", "IT"), make_department("People", "HR")
    projects.save_project(org["facilitator"], None, projects.ProjectData(
        title="Laptops on day one", owner_department=it, departments=[hr]))
    to_phase(org, ws, "review")
    sign_in(client, org["employee"])
    page = page_text(client.get(url(ws)))
    assert "Open projects of these departments" in page
    assert f'href="/projects/{started.id}">Faster invoices</a>' in page
    # baseline 42 (the mean of 40, 42, 44), target 60, now 50: as the project's own page says it
    assert "44% of the way from baseline to target covered so far." in page
    assert "Can't tell: 3 readings before the start, too few to know its trend" in page  # its verdict first
    assert "1 task overdue" in page
    assert "Dropped idea" not in page and "Laptops on day one" not in page
