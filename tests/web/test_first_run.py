"""The first-run checklist on the home page: each step done (with its count) or to do (with where it is done,
or whom to ask), the next one marked; gone once a round exists; only for admins and facilitators."""
import re
from datetime import date

from app.extensions import db
from app.ratings import services as ratings
from tests.factories import PASSWORD, link, make_department, make_user, page_text
from tests.reports.test_results import sign_in_as


def steps(client) -> dict[str, str]:
    """Each step of the checklist on the home page by its title, with what it says, markup left out."""
    page = client.get("/").get_data(as_text=True)
    found = re.findall(r'<li class="first-run-step[^"]*"[^>]*>(.*?)</li>', page, re.S)
    return {re.search(r"<strong>(.*?)</strong>", step).group(1):
            " ".join(re.sub(r"<[^>]+>", " ", step).split()) for step in found}


def next_step(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'aria-current="step">.*?<strong>(.*?)</strong>', page, re.S).group(1)


def test_a_new_admin_is_led_from_departments_to_the_first_round(client, app):
    admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
    db.session.commit()
    client.sign_in(admin.email, PASSWORD)
    assert list(steps(client)) == ["Departments", "Service map: who serves whom", "People", "A facilitator",
                                   "The first rating round"]
    assert next_step(client) == "Departments"
    first = steps(client)
    assert first["Departments"].startswith("Next Departments Add the departments")
    assert first["People"].startswith("To do")
    assert "Once someone is a facilitator, they do this." in first["The first rating round"]
    home = client.get("/").get_data(as_text=True)
    assert 'href="/org/departments/new" class="button primary"' in home
    assert 'href="/org/people/new"' in home and 'href="/org/people/import"' in home
    assert 'href="/rounds/new"' not in home  # an admin who is not a facilitator cannot create one

    finance = make_department("Finance", "FIN")
    db.session.commit()
    assert steps(client)["Departments"].startswith("Next Departments — 1 department")  # two are needed
    sales = make_department("Sales", "SAL")
    db.session.commit()
    assert steps(client)["Departments"].startswith("Done Departments — 2 departments")
    assert next_step(client) == "Service map: who serves whom"
    link(finance, sales)
    make_user(department=sales)
    make_user(department=finance)
    make_user("fay@example.com", "Fay Facilitator", finance, is_facilitator=True)
    db.session.commit()
    done = steps(client)
    assert done["Service map: who serves whom"].startswith("Done Service map: who serves whom — 1 link")
    assert done["People"].startswith("Done People — 3 people in departments")
    assert done["A facilitator"].startswith("Done A facilitator — 1 facilitator")
    assert next_step(client) == "The first rating round"
    assert "A facilitator does this: Fay Facilitator." in done["The first rating round"]

    ratings.save_round(admin, None, "Spring", date(2027, 3, 1), date(2027, 3, 31), 3, [finance, sales])
    db.session.commit()
    page = page_text(client.get("/"))
    assert "Getting started" not in page and "Administration" in page  # gone once a round exists


def test_a_facilitator_sees_their_part_and_whom_to_ask_for_the_rest(client, app):
    make_user("admin@example.com", "Ada Admin", is_admin=True)
    make_user("root@example.com", "Boris Root", is_admin=True)
    make_user("gone@example.com", "Gone Admin", is_admin=True, active=False)
    finance = make_department("Finance", "FIN")
    fay = make_user("fay@example.com", "Fay Facilitator", finance, is_facilitator=True)
    db.session.commit()
    sign_in_as(client, fay)
    seen = steps(client)
    assert list(seen) == ["Departments", "Service map: who serves whom", "The first rating round"]
    assert "An administrator does this; ask Ada Admin, Boris Root." in seen["Departments"]
    assert "Gone Admin" not in seen["Departments"]
    home = client.get("/").get_data(as_text=True)
    assert 'href="/org/departments/new"' not in home and 'href="/org/people' not in home
    assert 'href="/rounds/new">Create the first round' in home  # theirs, though not next yet

    sales = make_department("Sales", "SAL")
    link(finance, sales)
    db.session.commit()
    assert next_step(client) == "The first rating round"
    assert 'href="/rounds/new" class="button primary">Create the first round' in client.get("/").get_data(
        as_text=True)


def test_an_admin_who_facilitates_too_is_asked_no_one(client, app):
    both = make_user("both@example.com", "Bo Both", is_admin=True, is_facilitator=True)
    db.session.commit()
    sign_in_as(client, both)
    seen = steps(client)
    assert "A facilitator" in seen and "Done A facilitator — 1 facilitator" in seen["A facilitator"]
    assert "does this" not in " ".join(seen.values())
    assert 'href="/rounds/new">Create the first round' in client.get("/").get_data(as_text=True)


def test_employees_and_heads_get_no_checklist(client, org):
    for who in ("employee", "head"):
        sign_in_as(client, org[who])
        assert "Getting started" not in page_text(client.get("/"))
