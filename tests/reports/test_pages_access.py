"""Who may open which results: facilitators everything, heads the company and their own scorecards."""
from datetime import date

import pytest

from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.ratings import services
from tests.factories import make_department, page_text
from tests.reports.test_results import Survey, sign_in_as, words


@pytest.fixture
def rounds(org):
    """A published round (Sales rated Finance), and rounds still in draft, open and closed."""
    seed_default_dimensions()
    org["legal"] = make_department("Legal", "LEG")  # not part of any round
    departments = [org["finance"], org["sales"]]
    published = Survey(org["facilitator"], departments, name="Published spring")
    published.rate(org["sales"], org["finance"], [4, 4, 5])
    published.publish()
    closed = Survey(org["facilitator"], departments, name="Closed summer")
    closed.rate(org["sales"], org["finance"], [1, 1, 1])
    services.close_round(org["facilitator"], closed.round)
    opened = Survey(org["facilitator"], departments, name="Open autumn")
    draft = services.save_round(org["facilitator"], None, "Draft winter", date(2026, 12, 1),
                                date(2026, 12, 20), 3, departments)
    db.session.commit()
    return {"published": published.round, "closed": closed.round, "open": opened.round, "draft": draft}


def round_urls(round_id: int, department_id: int) -> list[str]:
    return [
        f"/results/{round_id}",
        f"/results/{round_id}/matrix",
        f"/results/{round_id}/matrix?measure=overall",
        f"/results/{round_id}/company.csv",
        f"/results/{round_id}/matrix.csv?measure=overall",
        f"/results/{round_id}/departments/{department_id}",
        f"/results/{round_id}/departments/{department_id}.csv",
    ]


def sign_in(client, person):
    sign_in_as(client, person)


def test_signed_out_people_are_sent_to_sign_in(client, org, rounds):
    for url in ["/results", *round_urls(rounds["published"].id, org["finance"].id)]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("who", ["employee", "admin"])
def test_employees_and_admins_who_are_neither_head_nor_facilitator_are_refused(client, org, rounds, who):
    sign_in(client, org[who])
    for url in ["/results", *round_urls(rounds["published"].id, org["finance"].id)]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "4.3" not in page_text(response)


def test_a_head_sees_the_company_and_their_own_scorecard_only(client, org, rounds):
    sign_in(client, org["head"])  # heads Finance
    round_id = rounds["published"].id
    for url in round_urls(round_id, org["finance"].id):
        assert client.get(url).status_code == 200, url
    for url in round_urls(round_id, org["sales"].id)[-2:]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Scorecard" not in page_text(response)


def test_the_head_of_another_department_cannot_open_this_ones_scorecard(client, org, rounds):
    sign_in(client, org["sales_head"])
    round_id = rounds["published"].id
    finance, sales = org["finance"].id, org["sales"].id
    assert client.get(f"/results/{round_id}/departments/{finance}").status_code == 403
    assert client.get(f"/results/{round_id}/departments/{finance}.csv").status_code == 403
    assert client.get(f"/results/{round_id}/departments/{sales}").status_code == 200


def test_a_facilitator_sees_everything(client, org, rounds):
    sign_in(client, org["facilitator"])
    round_id = rounds["published"].id
    for department in (org["finance"], org["sales"]):
        for url in round_urls(round_id, department.id):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("state", ["draft", "open", "closed"])
@pytest.mark.parametrize("who", ["facilitator", "head"])
def test_rounds_not_yet_published_have_no_results(client, org, rounds, state, who):
    sign_in(client, org[who])
    for url in round_urls(rounds[state].id, org["finance"].id):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "1.0" not in words(page_text(response))


def test_unknown_rounds_and_departments_outside_the_round_are_not_found(client, org, rounds):
    sign_in(client, org["facilitator"])
    round_id = rounds["published"].id
    assert client.get("/results/999999").status_code == 404
    assert client.get(f"/results/{round_id}/departments/999999").status_code == 404
    assert client.get(f"/results/{round_id}/departments/{org['legal'].id}").status_code == 404
    assert client.get(f"/results/{round_id}/departments/{org['legal'].id}.csv").status_code == 404


def test_the_list_shows_published_rounds_and_the_scorecards_each_person_may_open(client, org, rounds):
    round_id = rounds["published"].id
    finance = f"/results/{round_id}/departments/{org['finance'].id}"
    sales = f"/results/{round_id}/departments/{org['sales'].id}"
    sign_in(client, org["head"])
    page = page_text(client.get("/results"))
    assert "Published spring" in page and f'href="/results/{round_id}"' in page
    assert f'href="{finance}"' in page and f'href="{sales}"' not in page
    for name in ("Closed summer", "Open autumn", "Draft winter"):
        assert name not in page
    sign_in(client, org["facilitator"])
    page = page_text(client.get("/results"))
    assert f'href="{finance}"' in page and f'href="{sales}"' in page


def test_the_list_puts_the_newest_round_first(client, org, rounds):
    later = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Published later",
                   opens=date(2026, 10, 1), closes=date(2026, 10, 31))
    later.publish()
    sign_in(client, org["facilitator"])
    page = page_text(client.get("/results"))
    assert page.index("Published later") < page.index("Published spring")


def test_results_pages_never_change_anything(client, org, rounds):
    sign_in(client, org["facilitator"])
    for url in round_urls(rounds["published"].id, org["finance"].id):
        assert client.post(url.split("?")[0]).status_code == 405
