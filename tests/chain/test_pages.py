"""The chain pages and the marks behind them, through the Flask client: who sees what, the picture and the
table, the ways on to a project and a workshop, and marking the departments that drive a metric."""
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.extensions import db
from app.metrics import services as metrics
from app.org.models import Department, department_metrics
from tests.chain.test_services import company, crafted, published  # noqa: F401 (company is a fixture)
from tests.factories import PASSWORD, count, make_user, page_text, posted_at_once


def signed_in(client, person):
    client.post("/logout")
    assert client.sign_in(person.email, PASSWORD).status_code == 303
    return client


@pytest.fixture
def people(company):  # noqa: F811
    people = {
        "employee": make_user("employee@example.com", department=company["SUP"]),
        "head_finance": make_user("head.fin@example.com", head_of=[company["FIN"]]),
        "head_support": make_user("head.sup@example.com", head_of=[company["SUP"]]),
        "admin": make_user("admin@example.com", is_admin=True),
        "facilitator": company["facilitator"],
    }
    db.session.commit()
    return people


# Who sees it -------------------------------------------------------------------------------------

@pytest.mark.parametrize("who,status", [("employee", 403), ("admin", 403), ("head_support", 200),
                                        ("facilitator", 200)])
def test_the_chain_is_for_the_readers_of_results(client, company, people, who, status):  # noqa: F811
    signed_in(client, people[who])
    assert client.get(f"/chain/{company['nps'].id}").status_code == status
    assert client.get("/chain").status_code == status
    metric_page = page_text(client.get(f"/metrics/{company['nps'].id}"))
    assert ("See its service chain" in metric_page) is (status == 200) or who == "employee"


def test_an_unknown_metric_or_round_is_not_there(client, company, people):  # noqa: F811
    round_ = published(company)
    signed_in(client, people["facilitator"])
    assert client.get("/chain/999999").status_code == 404
    assert client.get(f"/chain/{company['nps'].id}?round=99999999999").status_code == 404
    assert client.get(f"/chain/{company['nps'].id}?round=x").status_code == 404
    assert client.get(f"/chain/{company['nps'].id}?round={round_.id}").status_code == 200


# The page ----------------------------------------------------------------------------------------

def test_the_page_shows_the_chain_as_a_picture_and_a_table_with_its_weakest_links(client, company, people):  # noqa: F811,E501
    round_ = published(company)
    signed_in(client, people["facilitator"])
    page = BeautifulSoup(client.get(f"/chain/{company['nps'].id}").get_data(as_text=True), "html.parser")
    weakest = [li.get_text(" ", strip=True) for li in page.select("ol.weakest li")]
    assert weakest[0].startswith(
        "Finance (2 steps upstream) — Accessibility 1.3 95% interval (1.0–2.8) over 3 raters")
    svg = page.select_one("svg.chart-chain")
    assert svg["role"] == "img" and "Weakest links: Finance, 2 steps upstream: Accessibility 1.3" in \
        svg.select_one("desc").get_text()
    assert "▲ weakest link" in svg.get_text() and "External clients" in svg.get_text()
    rows = {tr.th.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in page.select("table.chain tbody tr")}
    # the third weakest: the first of the many fours along the chain
    assert rows["Sales Ops weakest link: Competence"][:2] == ["1", "4.0"]
    assert rows["Sales Ops weakest link: Competence"][-1] == "3"
    assert rows["Finance weakest link: Accessibility, Communication"][1] == "4.0"
    assert rows["Legal"][1] == "— not enough responses"  # two raters, k = 3
    assert rows["Marketing"][1] == "not in this round"
    # The weakest link leads to a project prefilled with it and the metric, and the chain to a workshop.
    start = next(a for a in page.select("ol.weakest a") if "Start a project for this metric" in a.get_text())
    query = parse_qs(urlsplit(start["href"]).query)
    assert query["metric"] == [str(company["nps"].id)] and query["department"] == [str(company["FIN"].id)]
    assert query["round"] == [str(round_.id)]
    assert query["joining"] == [str(company["OPS"].id), str(company["SUP"].id)]
    form = BeautifulSoup(client.get(start["href"]).get_data(as_text=True), "html.parser")
    assert form.select_one("#metric_id option[selected]")["value"] == str(company["nps"].id)
    assert {i["value"] for i in form.select("input[name=department_ids][checked]")} == {
        str(company["OPS"].id), str(company["SUP"].id)}
    assert form.select_one("#title")["value"] == "Improve accessibility of Finance"
    workshop = page.find("a", string="Set up a workshop with this chain")
    form = BeautifulSoup(client.get(workshop["href"]).get_data(as_text=True), "html.parser")
    assert len(form.select("input[name=department_ids][checked]")) == 5
    assert form.select_one("#round_id option[selected]")["value"] == str(round_.id)


def test_a_head_starts_projects_only_where_they_may_read_the_scorecard(client, company, people):  # noqa: F811
    published(company)
    page = page_text(signed_in(client, people["head_support"]).get(f"/chain/{company['nps'].id}"))
    assert "Finance" in page and "Start a project for this metric" not in page
    assert "Set up a workshop with this chain" not in page
    page = page_text(signed_in(client, people["head_finance"]).get(f"/chain/{company['nps'].id}"))
    assert "Start a project for this metric" in page


def test_before_any_round_is_published_the_chain_shows_without_scores(client, company, people):  # noqa: F811
    page = page_text(signed_in(client, people["facilitator"]).get(f"/chain/{company['nps'].id}"))
    assert "No round has published results yet" in page and "Sales Ops" in page


def test_a_metric_nobody_drives_says_so_and_where_to_choose(client, company, people):  # noqa: F811
    csat = metrics.save_metric(company["facilitator"], None, "CSAT", "", "%", "higher", None)
    db.session.commit()
    page = page_text(signed_in(client, people["facilitator"]).get(f"/chain/{csat.id}"))
    assert "No client-facing department drives this metric yet" in page
    assert "Choose the departments that drive it" in page
    index = page_text(client.get("/chain"))
    assert "no client-facing department yet" in index and "Support" in index


# Marking the drivers -----------------------------------------------------------------------------

def test_a_facilitator_marks_the_drivers_on_the_metric_page(client, company, people):  # noqa: F811
    signed_in(client, people["facilitator"])
    url = f"/metrics/{company['nps'].id}/drivers"
    answer = client.post(url, data={"department_ids": [company["SUP"].id, company["LEG"].id]})
    assert answer.status_code == 303
    page = page_text(client.get(answer.headers["Location"]))
    assert "The departments that drive NPS are saved." in page and "Legal, Support" in page
    assert db.session.get(Department, company["LEG"].id).faces_clients


@pytest.mark.parametrize("bad", [["999999"], ["99999999999999999999"], ["x"], ["1\x00"]])
def test_bad_ids_are_refused_with_a_message_and_change_nothing(client, company, people, bad):  # noqa: F811
    signed_in(client, people["facilitator"])
    answer = client.post(f"/metrics/{company['nps'].id}/drivers", data={"department_ids": bad})
    assert answer.status_code == 422 and 'id="department_ids-error"' in page_text(answer)
    assert count(department_metrics) == 1


def test_the_same_marks_sent_twice_at_once_are_one_row_each(app, company, people):  # noqa: F811
    _browsers, answers = posted_at_once(app, people["facilitator"], f"/metrics/{company['nps'].id}/drivers",
                                        {"department_ids": [company["SUP"].id, company["FIN"].id]})
    assert [a.status_code for a in answers] == [303] * 4
    assert sorted(db.session.scalars(sa.select(department_metrics.c.department_id))) == sorted(
        [company["SUP"].id, company["FIN"].id])


def test_an_admin_unmarks_a_department_and_it_drives_nothing(client, company, people):  # noqa: F811
    signed_in(client, people["admin"])
    support = company["SUP"]
    edit = BeautifulSoup(client.get(f"/org/departments/{support.id}/edit").get_data(as_text=True),
                         "html.parser")
    assert edit.select_one("#faces_clients").has_attr("checked")
    answer = client.post(f"/org/departments/{support.id}/edit",
                         data={"name": "Support", "code": "SUP", "parent_id": 0})
    assert answer.status_code == 303
    assert not db.session.get(Department, support.id).faces_clients and count(department_metrics) == 0


def test_the_page_says_when_a_weakest_link_is_not_clearly_weaker_than_the_next(client, company, people):  # noqa: F811
    round_ = crafted(company, 1)
    signed_in(client, people["facilitator"])
    page = BeautifulSoup(client.get(f"/chain/{company['nps'].id}?round={round_.id}").data, "html.parser")
    items = [" ".join(li.get_text(" ").split()) for li in page.select("ol.weakest li")]
    assert items[0].startswith("Finance") and "not clearly weaker" not in items[0]
    assert items[1].startswith("Sales Ops") and "not clearly weaker than" in items[1]
