"""The main menu is rendered once per language, page and set of roles, and still follows each of them."""
import re

from app.extensions import db
from tests.factories import PASSWORD


def menu(response) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', response.get_data(as_text=True), re.S).group(0)


def current_entry(response) -> str:
    return re.search(r'<a href="([^"]+)" aria-current="page"', menu(response)).group(1)


def test_a_role_given_shows_in_the_menu_at_once(client, org):
    client.sign_in("employee@example.com", PASSWORD)
    assert "Rating rounds" not in menu(client.get("/"))
    org["employee"].is_facilitator = True
    db.session.commit()
    assert "Rating rounds" in menu(client.get("/"))
    org["employee"].is_facilitator = False
    db.session.commit()
    assert "Rating rounds" not in menu(client.get("/"))


def test_heading_a_department_brings_the_results_entry(client, org):
    client.sign_in("employee@example.com", PASSWORD)
    assert "Results" not in menu(client.get("/"))
    org["employee"].headed_departments.append(org["sales"])
    db.session.commit()
    assert "Results" in menu(client.get("/"))


def test_the_current_entry_follows_the_page_and_the_language_follows_the_person(client, org):
    client.sign_in("facilitator@example.com", PASSWORD)
    assert current_entry(client.get("/")) == "/"
    assert current_entry(client.get("/workshops")) == "/workshops"
    assert current_entry(client.get("/projects")) == "/projects"
    org["facilitator"].language = "ru"
    db.session.commit()
    page = client.get("/projects")
    assert "Главная" in menu(page) and "Home" not in menu(page) and current_entry(page) == "/projects"
