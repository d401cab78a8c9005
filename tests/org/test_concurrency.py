"""The same department or person added several times at once (a double-click, two tabs, two imports), on
whichever database the suite runs on: one is added, the others are told at the field that it exists."""
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.org import services
from app.org.models import Department
from tests.factories import PASSWORD, count, in_parallel, page_text, posted_at_once
from tests.org.test_departments import NAME_TAKEN, form
from tests.org.test_people import person_form


def test_a_department_added_twice_at_once_is_added_once(app, org):
    browsers, responses = posted_at_once(app, org["admin"], "/org/departments/new", form("Legal", "LEG"))
    assert sorted(r.status_code for r in responses) == [200] * (len(browsers) - 1) + [303]
    refused = [page_text(r) for r in responses if r.status_code == 200]
    assert all(NAME_TAKEN.format("Legal") in page for page in refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)
                             .where(Department.code == "LEG")) == 1


def test_one_name_in_several_letter_cases_added_at_once_is_added_once(app, org):
    """"Legal", "legal", "LEGAL" and " legal " sent by admins at the same moment, each with a code of its
    own: one department, and the others are told its name is taken."""
    names = ["Legal", "legal", "LEGAL", " legal "]
    browsers = [app.test_client() for _ in names]
    for browser in browsers:
        assert browser.sign_in(org["admin"].email, PASSWORD).status_code == 303
        browser.refresh_token()
    db.session.commit()
    responses = in_parallel(app, len(names), lambda i: browsers[i].post(
        "/org/departments/new", data=form(names[i], f"LEG{i}")))
    assert sorted(r.status_code for r in responses) == [200] * (len(names) - 1) + [303]
    added = db.session.scalar(sa.select(Department).where(Department.name_key == "legal"))
    refused = [page_text(r) for r in responses if r.status_code == 200]
    assert all(NAME_TAKEN.format(added.name) in page for page in refused), refused
    assert count(Department) == 3


def test_a_person_added_twice_at_once_is_added_once(app, org):
    people = count(User)
    _browsers, responses = posted_at_once(app, org["admin"], "/org/people/new",
                                          person_form(email="nina@example.com", department=org["sales"]))
    assert [r.status_code for r in responses] == [200] * len(responses)
    pages = [page_text(r) for r in responses]
    assert sum("Someone already has this e-mail address." in page for page in pages) == len(pages) - 1
    assert count(User) == people + 1


def test_one_people_file_imported_twice_at_once_adds_everyone_once(app, org):
    admin_id, people = org["admin"].id, count(User)
    text = "name,email,department\nNina New,nina@example.com,SAL\nOleg Old,oleg@example.com,FIN\n"
    db.session.commit()  # the imports wait for no transaction of the test's own

    def import_file(_i):
        added = services.import_people(db.session.get(User, admin_id), services.parse_people_csv(text))
        db.session.commit()
        return len(added)

    outcomes = in_parallel(app, 4, import_file)
    assert outcomes.count(2) == 1, outcomes
    refused = [o for o in outcomes if o != 2]
    # refused at the write, or (where the first had committed before the file was read) at the check
    assert all(isinstance(o, services.OrgError) for o in refused), refused
    assert count(User) == people + 2
