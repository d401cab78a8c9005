"""The people list: search, department and status filters, and the htmx table swap."""
import pytest
from bs4 import BeautifulSoup

from app.extensions import db
from tests.factories import make_user


def names(response) -> list[str]:
    table = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("#people-table")
    assert table is not None
    return [row.select_one("td a").get_text() for row in table.select("tbody tr")]


def test_everyone_is_listed_by_name(admin, org):
    response = admin.get("/org/people")
    assert names(response) == ["Ada Admin", "Erin Employee", "Fay Facilitator", "Hana Head", "Sam Head"]


@pytest.mark.parametrize("query,expected", [
    ("erin", ["Erin Employee"]),
    ("HEAD", ["Hana Head", "Sam Head"]),
    ("head.sales", ["Sam Head"]),
    ("Facilitator@Example", ["Fay Facilitator"]),
    ("nobody-like-this", []),
    ("_", []),  # not a wildcard
    ("%", []),
])
def test_search_by_name_or_e_mail(admin, org, query, expected):
    assert names(admin.get("/org/people", query_string={"q": query})) == expected


def test_nobody_matching_says_so(admin, org):
    page = admin.get("/org/people?q=zzz").get_data(as_text=True)
    assert "Nobody matches these filters." in page and 'href="/org/people"' in page


def test_search_finds_a_cyrillic_name_whatever_the_case(admin, org):
    make_user("anna@example.com", "Анна Петрова")
    db.session.commit()
    assert names(admin.get("/org/people", query_string={"q": "анна"})) == ["Анна Петрова"]
    assert names(admin.get("/org/people", query_string={"q": "ПЕТРОВА"})) == ["Анна Петрова"]


def test_filter_by_department(admin, org):
    response = admin.get(f"/org/people?department={org['sales'].id}")
    assert names(response) == ["Erin Employee", "Sam Head"]
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("#people-department option[selected]").get_text() == "Sales"


def test_filter_by_status(admin, org):
    org["employee"].active = False
    db.session.commit()
    assert names(admin.get("/org/people?status=inactive")) == ["Erin Employee"]
    assert "Erin Employee" not in names(admin.get("/org/people?status=active"))
    assert "Erin Employee" in names(admin.get("/org/people?status=all"))


def test_filters_combine(admin, org):
    org["employee"].active = False
    db.session.commit()
    assert names(admin.get(f"/org/people?department={org['sales'].id}&status=active&q=head")) == ["Sam Head"]


def test_an_htmx_request_gets_only_the_table(admin, org):
    response = admin.get("/org/people?q=erin", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    assert body.lstrip().startswith('<div class="table-wrap" id="people-table">')
    assert names(response) == ["Erin Employee"]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_odd_filter_values_do_not_break_the_page(admin, org):
    response = admin.get("/org/people?department=abc&status=whatever")
    assert len(names(response)) == 5


@pytest.mark.parametrize("status", [None, "all", "inactive"])
def test_the_people_page_answers_200_and_keeps_the_chosen_status(admin, org, status):
    response = admin.get("/org/people", query_string={"status": status} if status else {})
    assert response.status_code == 200
    assert response.status == "200 OK"
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("#people-status option[selected]")["value"] == (status or "all")
