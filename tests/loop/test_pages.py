""""You said — we did": what each person sees of their rounds, read through the gate, and heads' responses."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.dimensions.models import Dimension
from app.extensions import db
from app.loop.models import WeaknessResponse
from app.metrics.models import Reading
from app.projects import services as projects
from app.reports.results import published_rounds
from tests.factories import audit_count, count, link, make_user, page_text
from tests.projects.test_services import make_metric
from tests.reports.test_pages_scorecard import scorecard, spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as, words


def dimension(key: str) -> Dimension:
    return db.session.scalar(sa.select(Dimension).where(Dimension.key == key))


@pytest.fixture
def world(org):
    """Spring and autumn (tests/reports/test_pages_scorecard.py): Sales rate Finance, Finance rate
    themselves, two people of Support rate Legal (under k). Legal serves Support on the map."""
    rounds = spring_and_autumn(org)
    link(org["legal"], org["support"])
    db.session.commit()
    return rounds


def page(client, person, round_=None) -> str:
    sign_in_as(client, person)
    response = client.get("/you-said" + (f"?round={round_.id}" if round_ else ""))
    assert response.status_code == 200
    return page_text(response)


def card(text: str, department: str) -> str:
    """One department's card, as words."""
    match = re.search(r'<section class="report-section loop-card"[^>]*>\s*<h2[^>]*>' + re.escape(department)
                      + r"\b.*?</section>", text, re.S)
    assert match, department
    return words(match.group(0))


def support_member():
    return db.session.scalar(sa.select(User).join(User.department).where(User.department.has(code="SUP"))
                             .order_by(User.id).limit(1))


def weak_spot_project(org, autumn, key="competence", **extra):
    spot = projects.weak_spot(autumn, org["finance"], dimension(key))
    project = projects.save_project(org["head"], None, projects.ProjectData(
        title=spot.title, owner_department=org["finance"], departments=[org["sales"]], source=spot, **extra))
    db.session.commit()
    return project


# Who sees which departments ----------------------------------------------------------------------

def test_an_employee_sees_their_department_and_those_it_was_asked_to_rate_as_the_scorecard_shows_them(
        client, org, world):
    text = page(client, org["employee"])
    assert "Autumn" in text and text.index("Sales") < text.index("Finance")
    finance = card(text, "Finance")
    assert "rated by your department" in finance
    # The same figures as Finance's scorecard: means, raters, self-assessment, blind spots.
    assert "Competence 2.0 95% interval (1.0–3.4) 3 4.0 95% interval (2.6–5.0) blind spot" in finance
    assert "Communication 1.0 95% interval (1.0–2.4) 3 3.0 95% interval (1.6–4.4)" in finance
    assert "Communication — 1.0" in finance and "Competence — 2.0" in finance and "Courtesy — 3.0" in finance
    assert "Reliability: others 3.0, the department itself 5.0" in finance
    head_sees = words(scorecard(client, org["head"], world["autumn"], org["finance"]))
    assert "Competence 2.0 95% interval (1.0–3.4) 3" in head_sees
    own = card(text, "Sales")
    assert "your department" in own and "not enough responses" in own


def test_a_department_not_asked_to_rate_is_not_shown(client, org, world):
    text = page(client, org["employee"])
    for department in ("Legal", "Support"):
        assert f'id="card-{org[department.lower()].id}"' not in text
    # Finance's people are not asked to rate Sales: the head of Finance sees Finance alone.
    text = page(client, org["head"])
    assert f'id="card-{org["finance"].id}"' in text
    assert f'id="card-{org["sales"].id}"' not in text


def test_what_a_person_answered_or_skipped_changes_nothing(client, org, world):
    """The employee answered nothing; Sales' raters answered everything: the same page."""
    rater = db.session.scalar(sa.select(User).where(User.email.like("rater%"), User.department_id
                                                    == org["sales"].id).order_by(User.id).limit(1))
    def seen_by(person) -> str:
        text = page(client, person)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', text).group(1)
        return text.replace(token, "").replace(person.name, "")

    assert seen_by(org["employee"]) == seen_by(rater)


def test_a_group_under_k_shows_no_more_than_the_scorecard(client, org, world):
    """Two of Support rated Legal (1 and 2): the mean 1.5 and the count 2 must never show."""
    text = page(client, support_member())
    legal = card(text, "Legal")
    assert "1.5" not in legal and " 2 " not in f" {legal} "
    assert legal.count("not enough responses") >= 10  # nine dimensions and the overall row
    assert "The three weakest dimensions not enough responses" in legal
    facilitator_sees = words(scorecard(client, org["facilitator"], world["autumn"], org["legal"]))
    assert "1.5" not in facilitator_sees


def test_a_facilitator_sees_their_own_department_and_a_person_with_none_an_empty_page(client, org, world):
    text = page(client, org["facilitator"])
    assert f'id="card-{org["finance"].id}"' in text
    text = page(client, org["admin"])  # no department: took part in nothing
    assert "Once the results of a round your department took part in are published" in text
    assert 'href="/you-said"' not in text  # no menu item either


def test_the_menu_offers_the_page_once_a_round_of_theirs_is_published(client, org):
    sign_in_as(client, org["employee"])
    assert 'href="/you-said"' not in page_text(client.get("/"))
    spring_and_autumn(org)
    assert 'href="/you-said"' in page_text(client.get("/"))
    newcomer = make_user(department=org["sales"])  # joined after the rounds closed
    db.session.commit()
    sign_in_as(client, newcomer)
    assert 'href="/you-said"' not in page_text(client.get("/"))


def test_earlier_rounds_are_chosen_and_others_are_not_there(client, org, world):
    text = page(client, org["employee"], world["spring"])
    assert "Spring" in text and "Competence 2.3 95% interval (1.0–3.8) 3" in card(text, "Finance")
    assert f'<option value="{world["spring"].id}" selected>Spring' in text
    sign_in_as(client, make_user(department=org["sales"]))
    assert client.get(f"/you-said?round={world['autumn'].id}").status_code == 404
    assert client.get("/you-said?round=99999999999").status_code == 200  # no such id: the latest


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    response = client.get("/you-said")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_results_notice_links_here(org, world):
    from app.notices.models import Notice
    links = {n.link for n in db.session.scalars(sa.select(Notice).where(Notice.kind == "results_for_rater"))}
    assert links == {f"/you-said?round={world['spring'].id}", f"/you-said?round={world['autumn'].id}"}


# Projects ----------------------------------------------------------------------------------------

def test_projects_started_from_a_weakness_show_under_it_and_follow_their_moves(client, org, world):
    today = date.today()
    metric = make_metric(values=[30, 32, 34], start=today)
    project = weak_spot_project(org, world["autumn"], metric=metric, target_value=42.0,
                                target_date=today + timedelta(days=200))
    other = weak_spot_project(org, world["autumn"], key="tangibles")
    finance = card(page(client, org["employee"]), "Finance")
    assert "Competence — 2.0" in finance and "Improve competence of Finance proposed" in finance
    assert "Other projects started from these results Improve tangibles of Finance proposed" in finance

    projects.move(org["head"], project, "start", on=today)
    db.session.add(Reading(metric=metric, taken_on=today, value=37))
    db.session.commit()
    finance = card(page(client, org["employee"]), "Finance")
    assert "Improve competence of Finance active Did it move?" in finance
    assert "The metric moved by +5 since the start (from 32 to 37)" in finance
    assert "50% of the way from baseline to target covered so far" in finance
    # and whether it moved against its own history: three readings before the start are too few to tell
    assert "Can't tell: 3 readings before the start, too few to know its trend" in finance
    projects.move(org["head"], other, "cancel")
    db.session.commit()
    assert "Improve tangibles of Finance cancelled" in card(page(client, org["employee"]), "Finance")


# Responses ---------------------------------------------------------------------------------------

def respond_url(round_, department, key):
    return f"/you-said/{round_.id}/departments/{department.id}/dimensions/{dimension(key).id}"


def field(department, key):
    return f"response-{department.id}-{dimension(key).id}-text"


def test_a_head_responds_to_a_weakness_and_everyone_reads_it_in_the_departments_name(client, org, world):
    autumn, finance = world["autumn"], org["finance"]
    before = audit_count()
    sign_in_as(client, org["head"])
    response = client.post(respond_url(autumn, finance, "competence"),
                           data={field(finance, "competence"): "  We now answer within a day.  "})
    assert response.status_code == 303
    assert db.session.get(WeaknessResponse, (autumn.id, finance.id, dimension("competence").id)).text == \
        "We now answer within a day."
    assert audit_count() == before + 1
    finance_card = card(page(client, org["employee"]), "Finance")
    assert "Competence — 2.0 Finance's response We now answer within a day." in finance_card
    assert "Hana" not in finance_card
    # Changed in place with htmx, then taken back.
    sign_in_as(client, org["head"])
    fragment = client.post(respond_url(autumn, finance, "competence"), headers={"HX-Request": "true"},
                           data={field(finance, "competence"): "Within four hours now."})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "Within four hours now." in page_text(fragment) and "Saved." in page_text(fragment)
    client.post(respond_url(autumn, finance, "competence"), data={field(finance, "competence"): ""})
    assert count(WeaknessResponse) == 0


@pytest.mark.parametrize(("text", "message"), [
    ("x" * 501, "at most 500 characters"),
    ("nul \x00 here", "cannot be stored"),
])
def test_bad_responses_are_refused_with_a_message(client, org, world, text, message):
    sign_in_as(client, org["head"])
    finance = org["finance"]
    response = client.post(respond_url(world["autumn"], finance, "competence"),
                           data={field(finance, "competence"): text})
    assert response.status_code == 422 and message in page_text(response)
    assert count(WeaknessResponse) == 0


def test_only_the_three_weakest_and_only_until_the_next_round_is_published(client, org, world):
    sign_in_as(client, org["head"])
    finance = org["finance"]
    response = client.post(respond_url(world["autumn"], finance, "tangibles"),
                           data={field(finance, "tangibles"): "Fine"})
    assert response.status_code == 422 and "three weakest" in page_text(response)
    winter = Survey(org["facilitator"], [finance, org["sales"]], name="Winter", opens=date(2026, 12, 1),
                    closes=date(2026, 12, 20))
    winter.rate(org["sales"], finance, [3, 3, 3])
    winter.publish()
    assert [r.name for r in published_rounds()][-1] == "Winter"
    response = client.post(respond_url(world["autumn"], finance, "competence"),
                           data={field(finance, "competence"): "Late"})
    assert response.status_code == 422 and "responses to this one are closed" in page_text(response)
    text = page(client, org["head"], world["autumn"])
    assert "Respond" not in text


def test_a_head_of_another_department_is_refused_and_offered_no_form(client, org, world):
    finance = org["finance"]
    sign_in_as(client, org["sales_head"])
    assert client.post(respond_url(world["autumn"], finance, "competence"),
                       data={field(finance, "competence"): "Not ours"}).status_code == 403
    assert count(WeaknessResponse) == 0
    text = page(client, org["sales_head"])
    assert respond_url(world["autumn"], finance, "competence") not in text
    assert respond_url(world["autumn"], org["sales"], "competence") not in text  # Sales: no weakest shown


def test_an_unpublished_round_takes_no_response(client, org, world):
    winter = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Winter")
    sign_in_as(client, org["head"])
    finance = org["finance"]
    assert client.post(respond_url(winter.round, finance, "competence"),
                       data={field(finance, "competence"): "Early"}).status_code == 404


def test_the_page_in_russian(client, org, world):
    org["employee"].language = "ru"
    db.session.commit()
    text = page(client, org["employee"])
    assert '<html lang="ru">' in text
    assert "Competence" not in text  # the dimensions by their Russian names
    assert "2,0" in card(text, "Finance")
