"""The main menu is rendered once per language, page and set of roles, and still follows each of them."""
import re

from app.extensions import db
from tests.factories import PASSWORD, make_user


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


def bar(response) -> str:
    return re.search(r'<header class="topbar">.*?</header>', response.get_data(as_text=True), re.S).group(0)


def test_the_bar_shows_each_person_their_own_name_and_token(app, org):
    """Two people with the same roles on the same page: each sees their own name, escaped, and forms that
    carry their own CSRF token."""
    org["employee"].name = '<b onclick="x()">Erin</b>'
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    first.sign_in("employee@example.com", PASSWORD)
    make_user("other@example.com", "Olga Other", org["sales"])
    second.sign_in("other@example.com", PASSWORD)
    pages = {"first": first.get("/"), "second": second.get("/")}
    for page in pages.values():
        text = page.get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', text).group(1)
        assert re.findall(r'name="csrf_token" value="([^"]+)"', bar(page)) == [token, token]
    assert "&lt;b onclick=&#34;x()&#34;&gt;Erin&lt;/b&gt;" in bar(pages["first"])
    assert "Olga Other" not in bar(pages["first"])
    assert "Olga Other" in bar(pages["second"]) and "Erin" not in bar(pages["second"])
    # the token in the bar is the person's own: signing out with it works
    token = re.search(r'action="/logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      bar(second.get("/"))).group(1)
    assert second.post("/logout", data={"csrf_token": token}, csrf=False).status_code in (302, 303)
    assert second.get("/").status_code in (302, 303)
    assert first.get("/").status_code == 200
