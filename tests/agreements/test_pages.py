"""The agreement pages through the Flask client: who may open them, the links from the matrix and from a
workshop card, writing, confirming and ending, the rating form's question, and the kept-rate over k."""
from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.agreements import services
from app.agreements.models import Agreement, Promise
from app.audit.models import AuditEntry
from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.ratings import services as ratings
from app.reports import results
from app.workshops import services as workshops
from tests.factories import count, form_token_of, make_department, make_user, page_text, posted_at_once
from tests.reports.test_pages_matrix import world  # noqa: F401 (a fixture: a round with a tension)
from tests.reports.test_results import Survey, sign_in_as


@pytest.fixture
def cast(org):
    """The `org` fixture (Finance serves Sales) with a head of Internal audit and NPS with readings."""
    org["audit"] = make_department("Internal audit", "AUD")
    org["audit_head"] = make_user("head.audit@example.com", "Aya Head", org["audit"], head_of=[org["audit"]])
    org["nps"] = Metric(name="NPS", direction="higher", unit="points")
    db.session.add(org["nps"])
    db.session.add_all(Reading(metric=org["nps"], taken_on=date(2026, m, 1), value=30 + m) for m in (1, 2, 3))
    seed_default_dimensions()
    db.session.commit()
    return org


def first_dimension():
    return ordered(include_retired=False)[0]


def drafted(cast, by="head") -> Agreement:
    agreement = services.draft(cast[by], cast["finance"], cast["sales"], [
        services.PromiseData("Month-end reports by the 3rd", first_dimension(), cast["nps"])])
    db.session.commit()
    return agreement


def in_force(cast) -> Agreement:
    agreement = drafted(cast)
    services.confirm(cast["sales_head"], agreement)
    db.session.commit()
    return agreement


# Who may -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who,status", [("head", 200), ("sales_head", 200), ("facilitator", 200),
                                        ("admin", 200), ("audit_head", 403), ("employee", 403)])
def test_an_agreement_is_read_by_the_heads_of_the_two_facilitators_and_admins(client, cast, who, status):
    agreement = drafted(cast)
    sign_in_as(client, cast[who])
    assert client.get(f"/agreements/{agreement.id}").status_code == status
    assert client.get("/agreements").status_code == (403 if who == "employee" else 200)
    assert client.get("/agreements/new").status_code == (403 if who == "employee" else 200)
    home = page_text(client.get("/"))
    assert ('href="/agreements"' in home) is (who != "employee")


def test_signed_out_people_are_sent_to_sign_in_and_unknown_ids_are_not_found(client, cast):
    assert client.get("/agreements").status_code == 302
    sign_in_as(client, cast["facilitator"])
    assert client.get("/agreements/99999999999").status_code == 404
    assert client.get("/agreements/0").status_code == 404


# Writing -----------------------------------------------------------------------------------------

def form_data(cast, page, **fields) -> dict:
    data = {"form_token": form_token_of(page), "provider_id": cast["finance"].id,
            "receiver_id": cast["sales"].id, "text_1": "Answer within a day",
            "dimension_1": first_dimension().id, "metric_1": cast["nps"].id}
    return {**data, **fields}


def test_a_head_writes_an_agreement_the_other_head_confirms(client, cast):
    sign_in_as(client, cast["head"])
    page = client.get("/agreements/new")
    response = client.post("/agreements/new", data=form_data(cast, page, text_2="Call back before noon",
                                                             dimension_2=first_dimension().id,
                                                             metric_2=cast["nps"].id))
    agreement = db.session.scalars(sa.select(Agreement)).one()
    assert response.status_code == 303 and response.location.endswith(f"/agreements/{agreement.id}")
    assert [p.text for p in agreement.promises] == ["Answer within a day", "Call back before noon"]
    page = page_text(client.get(f"/agreements/{agreement.id}"))
    assert "Confirm the agreement" not in page and "A draft by Hana Head" in page
    sign_in_as(client, cast["sales_head"])
    assert "Confirm the agreement" in page_text(client.get(f"/agreements/{agreement.id}"))
    assert client.post(f"/agreements/{agreement.id}/confirm").status_code == 303
    db.session.refresh(agreement)
    assert agreement.state == "in_force"
    assert "In force since" in page_text(client.get(f"/agreements/{agreement.id}"))


@pytest.mark.parametrize("fields,message", [
    ({"text_1": "", "dimension_1": 0, "metric_1": 0}, "one to three promises"),
    ({"text_1": " "}, "a short text of 1 to 300 characters"),
    ({"text_1": "x" * 301}, "Keep a promise to 300 characters"),
    ({"text_1": "a\x00b"}, "cannot be stored"),
    ({"metric_1": 0}, "dimension and an external metric"),
    ({"receiver_id": 0}, "Choose the providing and the receiving department"),
    ({"receiver_id": "99999999999"}, "This number is too large."),
    ({"dimension_1": "x"}, "Invalid Choice"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(client, cast, fields, message):
    sign_in_as(client, cast["head"])
    page = client.get("/agreements/new")
    response = client.post("/agreements/new", data=form_data(cast, page, **fields))
    assert response.status_code == 422 and message in page_text(response)
    assert count(Agreement) == 0 and count(Promise) == 0


def test_a_head_of_neither_department_cannot_write_theirs(client, cast):
    sign_in_as(client, cast["audit_head"])
    response = client.post("/agreements/new", data=form_data(cast, client.get("/agreements/new")))
    assert response.status_code == 422 and "Only the heads" in page_text(response)
    assert count(Agreement) == 0


def test_the_same_form_sent_twice_at_once_makes_one_agreement(app, client, cast):
    sign_in_as(client, cast["head"])
    data = form_data(cast, client.get("/agreements/new"))
    _browsers, responses = posted_at_once(app, cast["head"], "/agreements/new", data)
    assert all(r.status_code == 303 for r in responses), responses
    assert count(Agreement) == 1 and count(Promise) == 1
    assert len({r.location for r in responses}) == 1


def test_two_confirmations_at_once_put_it_in_force_once(app, cast):
    agreement = drafted(cast)
    _browsers, responses = posted_at_once(app, cast["sales_head"], f"/agreements/{agreement.id}/confirm")
    assert all(r.status_code == 303 for r in responses)
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).state == "in_force"
    assert count(AuditEntry, AuditEntry.action == "agreement.confirm") == 1


# Where it starts ---------------------------------------------------------------------------------

def test_a_tension_on_the_matrix_links_to_an_agreement_prefilled_with_its_pair(client, cast, world):  # noqa: F811
    competence = next(rd.dimension_id for rd in world.round.dimensions if rd.dimension.name == "Competence")
    sign_in_as(client, cast["head"])
    page = BeautifulSoup(client.get(f"/results/{world.round.id}/matrix?measure={competence}").text,
                         "html.parser")
    link = page.select_one("a.agreement-link")
    assert link is not None
    form = BeautifulSoup(client.get(link["href"]).text, "html.parser")
    chosen = {name: form.select_one(f"select[name={name}] option[selected]")["value"]
              for name in ("provider_id", "receiver_id", "dimension_1")}
    # Sales rates Finance 2.0, Finance rates Sales 4.3: Finance, rated lower, promises Sales.
    assert chosen == {"provider_id": str(cast["finance"].id), "receiver_id": str(cast["sales"].id),
                      "dimension_1": str(competence)}
    assert form.select_one("input[name=round_id]")["value"] == str(world.round.id)
    sent = client.post(link["href"], data={**{f["name"]: f.get("value", "") for f in form.select("input")},
                                           **chosen, "text_1": "Answer within a day",
                                           "metric_1": cast["nps"].id})
    assert "Started from a tension on the service matrix of Autumn." in page_text(client.get(sent.location))
    # Overall has no tension here; and a head of neither department sees no link.
    sign_in_as(client, cast["audit_head"])
    assert "agreement-link" not in client.get(f"/results/{world.round.id}/matrix?measure={competence}").text


@pytest.mark.parametrize("first", ["facilitator", "support_head"])
def test_each_reader_of_the_kept_matrix_sees_the_links_the_policy_gives_them(client, cast, world, first,  # noqa: F811
                                                                            monkeypatch):
    """The matrix's body is kept after its first reader; whoever warmed it, each next reader sees the link
    to write an agreement on the Finance–Sales tension exactly when they may write one."""
    cast["support_head"] = make_user("head.support@example.com", "Sue Head", cast["support"],
                                     head_of=[cast["support"]])  # heads a third department of the round
    db.session.commit()
    competence = next(rd.dimension_id for rd in world.round.dimensions if rd.dimension.name == "Competence")
    rendered, service_matrix = [], results.service_matrix
    monkeypatch.setattr(results, "service_matrix", lambda *a: rendered.append(a) or service_matrix(*a))
    links = {"facilitator": 1, "head": 1, "sales_head": 1, "support_head": 0, "audit_head": 0,
             "employee": None, "admin": None}  # None: not one to open the matrix at all
    for who in [first, *(who for who in links if who != first)]:
        sign_in_as(client, cast[who])
        response = client.get(f"/results/{world.round.id}/matrix?measure={competence}")
        if links[who] is None:
            assert response.status_code == 403
            continue
        page = BeautifulSoup(response.text, "html.parser")
        assert len(page.select("tr.tension a.agreement-link")) == links[who], who
    # One body for each answer of the policy about the round's departments: all of them (the facilitator),
    # Finance, Sales, Support, and none (the head of Internal audit); each next reader of one got it kept.
    assert len(rendered) == 5


def test_a_workshop_card_links_to_an_agreement_prefilled_with_its_dimension(client, cast):
    dimension = first_dimension()
    workshop = workshops.save_workshop(cast["facilitator"], None, "Spring zone", date(2026, 6, 1), None,
                                       [cast["finance"], cast["sales"]], [cast["employee"]], 3, False, False)
    while workshop.phase != "collect":
        workshops.move_phase(cast["facilitator"], workshop, 1)
    card = workshops.add_card(cast["employee"], workshop, "Reports arrive late", dimension, None)
    while workshop.phase != "projects":
        workshops.move_phase(cast["facilitator"], workshop, 1)
    db.session.commit()
    sign_in_as(client, cast["facilitator"])  # who runs the board
    board = BeautifulSoup(client.get(f"/workshops/{workshop.id}").text, "html.parser")
    link = board.select_one(f"#rank-{card.id} a.agreement-link")
    assert link is not None
    form = BeautifulSoup(client.get(link["href"]).text, "html.parser")
    assert form.select_one("select[name=dimension_1] option[selected]")["value"] == str(dimension.id)
    assert form.select_one("input[name=card_id]")["value"] == str(card.id)
    assert form.select_one("select[name=provider_id] option[selected]")["value"] in {
        str(cast["finance"].id), str(cast["sales"].id)}
    sent = client.post(link["href"], data={**{f["name"]: f.get("value", "") for f in form.select("input")},
                                           "provider_id": cast["finance"].id, "receiver_id": cast["sales"].id,
                                           "dimension_1": dimension.id, "text_1": "Answer within a day",
                                           "metric_1": cast["nps"].id})
    assert "Started from a card of the workshop Spring zone." in page_text(client.get(sent.location))
    sign_in_as(client, cast["audit_head"])  # not at the workshop: its card opens nothing
    form = BeautifulSoup(client.get(link["href"]).text, "html.parser")
    assert not form.select_one("input[name=card_id]").get("value")
    assert form.select_one("select[name=dimension_1] option[selected]")["value"] == "0"


# The question and the kept-rate ------------------------------------------------------------------

def test_the_rating_form_asks_the_receiving_department_about_each_promise(client, cast):
    agreement = in_force(cast)
    promise = agreement.promises[0]
    survey = Survey(cast["facilitator"], [cast["finance"], cast["sales"]], k=3)
    sign_in_as(client, cast["employee"])
    url = f"/rounds/{survey.round.id}/rate/d{cast['finance'].id}"
    page = page_text(client.get(url))
    assert "Did you get what was agreed?" in page and promise.text in page
    answers = {f"d{d}": 4 for d in survey.dimensions}
    missing = client.post(url, data=answers)
    assert missing.status_code == 200 and "Choose an answer, or “Can't say”." in page_text(missing)
    assert client.post(url, data={**answers, f"p{promise.id}": "partly"}).status_code == 303
    ballot = ratings.find_target(cast["employee"], survey.round, f"d{cast['finance'].id}")
    assert ballot.done


def answered_round(cast, answers: list[str], k=5):
    agreement = in_force(cast)
    promise_id = agreement.promises[0].id
    survey = Survey(cast["facilitator"], [cast["finance"], cast["sales"]], k=k, name="Summer")
    for seller, answer in zip(survey.people(cast["sales"], len(answers)), answers, strict=True):
        db.session.commit()
        target = ratings.find_target(seller, survey.round, f"d{cast['finance'].id}")
        ratings.submit(seller, survey.round, target, survey.scores(4), "", {promise_id: answer})
        db.session.commit()
    survey.publish()
    return agreement


def cells(page, table: str) -> list[list[str]]:
    return [[" ".join(cell.get_text(" ").split()) for cell in row.select("th, td")]
            for row in page.select(f"{table} tbody tr")]


def test_the_agreement_page_shows_the_kept_rate_over_k_beside_the_metric(client, cast):
    agreement = answered_round(cast, ["yes", "yes", "yes", "partly", "no"])
    sign_in_as(client, cast["sales_head"])
    page = BeautifulSoup(client.get(f"/agreements/{agreement.id}").text, "html.parser")
    assert cells(page, "table.kept-rate") == [["Summer", "60%", "20%", "20%", "5"]]
    assert cells(page, "table.metric-readings") == [["2026-03-01", "33"], ["2026-02-01", "32"],
                                                      ["2026-01-01", "31"]]


def test_under_k_answers_the_page_says_so_and_shows_no_share(client, cast):
    agreement = answered_round(cast, ["yes", "yes", "yes", "no", "cant_say"])
    sign_in_as(client, cast["head"])
    page = BeautifulSoup(client.get(f"/agreements/{agreement.id}").text, "html.parser")
    assert cells(page, "table.kept-rate") == [["Summer", "fewer than 5 answers — not shown"]]


# Ending ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["head", "sales_head", "facilitator", "admin"])
@pytest.mark.parametrize("state,button", [("draft", "Withdraw this draft"),
                                          ("in_force", "End this agreement")])
def test_everyone_who_reads_an_agreement_may_end_it_until_it_has_ended(client, cast, who, state, button):
    """Those who read it (the others get 403, above and below) see the button until it has ended."""
    agreement = drafted(cast) if state == "draft" else in_force(cast)
    sign_in_as(client, cast[who])
    assert button in page_text(client.get(f"/agreements/{agreement.id}"))
    services.end(cast["admin"], agreement)
    db.session.commit()
    page = page_text(client.get(f"/agreements/{agreement.id}"))
    assert "End this agreement" not in page and "Withdraw this draft" not in page


@pytest.mark.parametrize("who", ["audit_head", "employee"])
def test_others_cannot_end_an_agreement(client, cast, who):
    agreement = in_force(cast)
    sign_in_as(client, cast[who])
    assert client.post(f"/agreements/{agreement.id}/end", data={"confirmed": "1"}).status_code == 403
    db.session.refresh(agreement)
    assert agreement.state == "in_force"


def test_a_head_ends_an_agreement_after_a_confirmation_and_the_pages_say_so(client, cast):
    agreement = in_force(cast)
    sign_in_as(client, cast["sales_head"])
    asked = client.post(f"/agreements/{agreement.id}/end")
    assert asked.status_code == 200 and "End this agreement?" in page_text(asked)
    db.session.refresh(agreement)
    assert agreement.state == "in_force"
    form = BeautifulSoup(asked.text, "html.parser").select_one("form[method=post]:has(input[name=confirmed])")
    assert form["action"] == f"/agreements/{agreement.id}/end"
    ended = client.post(form["action"], data={"confirmed": "1"})
    assert ended.status_code == 303 and ended.location.endswith(f"/agreements/{agreement.id}")
    db.session.refresh(agreement)
    assert agreement.state == "ended" and agreement.ended_by_id == cast["sales_head"].id
    page = page_text(client.get(ended.location))
    assert "The agreement has ended" in page
    assert f"Ended on {agreement.ended_at.date().isoformat()} by Sam Head" in page
    assert "End this agreement" not in page
    listed = BeautifulSoup(client.get("/agreements").text, "html.parser")
    assert [" ".join(td.get_text().split()) for td in listed.select("tbody td")][-1] == "ended"
    again = client.post(f"/agreements/{agreement.id}/end", data={"confirmed": "1"})
    assert again.status_code == 303 and "has ended already" in page_text(client.get(again.location))


def test_a_draft_is_withdrawn_by_its_drafter(client, cast):
    agreement = drafted(cast)
    sign_in_as(client, cast["head"])
    asked = client.post(f"/agreements/{agreement.id}/end")
    assert "Withdraw this draft?" in page_text(asked)
    assert client.post(f"/agreements/{agreement.id}/end", data={"confirmed": "1"}).status_code == 303
    page = page_text(client.get(f"/agreements/{agreement.id}"))
    assert "The draft is withdrawn." in page and "withdrawn before anyone confirmed it" in page
    sign_in_as(client, cast["sales_head"])
    assert "Confirm the agreement" not in page_text(client.get(f"/agreements/{agreement.id}"))


def test_an_end_sent_twice_at_once_ends_it_once(app, cast):
    agreement = in_force(cast)
    browsers, responses = posted_at_once(app, cast["sales_head"], f"/agreements/{agreement.id}/end",
                                         {"confirmed": "1"})
    assert all(r.status_code == 303 for r in responses)
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).state == "ended"
    assert count(AuditEntry, AuditEntry.action == "agreement.end") == 1
    pages = [page_text(b.get(f"/agreements/{agreement.id}")) for b in browsers]
    assert sum("has ended already" in page for page in pages) == len(browsers) - 1
