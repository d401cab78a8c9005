"""People: adding, editing, deactivating, and the links that let them set a password."""
import re

import pytest

from app.audit.models import AuditEntry
from app.auth.models import OneTimeLink, User
from app.auth.services import issue_link
from app.extensions import db
from app.org.services import OrgError, set_active
from tests.api.helpers import bearer, token_for
from tests.factories import PASSWORD, audited, by_email, count, make_user, page_text

LINK = re.compile(r'<code class="link">(http://localhost(/password/[^<"]+))</code>')


def audit_actions() -> list[str]:
    return list(db.session.scalars(audited(AuditEntry.action).order_by(AuditEntry.id)))


def links_on(response) -> list[str]:
    """The paths of the set-password links shown on the page."""
    return [path for _url, path in LINK.findall(response.get_data(as_text=True))]


def person_form(name="Nina New", email="nina@example.com", department=None, facilitator=False,
                admin=False, language=""):
    data = {"name": name, "email": email, "department_id": department.id if department else 0,
            "language": language}
    if facilitator:
        data["is_facilitator"] = "y"
    if admin:
        data["is_admin"] = "y"
    return data


# Adding ------------------------------------------------------------------------------------------

def test_adding_a_person_shows_their_invitation_link(admin, org):
    response = admin.post("/org/people/new",
                          data=person_form(email="Nina@Example.com", department=org["sales"], language="ru"))
    assert response.status_code == 200
    assert "No mail server is configured" in page_text(response)
    [path] = links_on(response)
    nina = by_email("nina@example.com")
    assert nina is not None and nina.password_hash is None
    assert (nina.name, nina.department, nina.language) == ("Nina New", org["sales"], "ru")
    assert not nina.is_admin and not nina.is_facilitator
    assert audit_actions() == ["person.create", "link.invite"]
    page = admin.get(path)
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)


def test_the_invitation_link_lets_the_new_person_set_a_password_and_sign_in(admin, app, org):
    [path] = links_on(admin.post("/org/people/new", data=person_form(department=org["sales"])))
    nina = app.test_client()
    new_password = "a long and fresh password"
    response = nina.post(path, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Nina New" in page_text(nina.get("/"))  # signed in, at home
    assert app.test_client().sign_in("nina@example.com", new_password).status_code == 303
    assert nina.get(path).status_code == 404  # used once


@pytest.mark.parametrize("email", ["employee@example.com", "EMPLOYEE@Example.COM"])
def test_an_e_mail_someone_has_is_refused(admin, org, email):
    before = count(User)
    response = admin.post("/org/people/new", data=person_form(email=email))
    assert response.status_code == 200
    assert "Someone already has this e-mail address." in page_text(response)
    assert links_on(response) == []
    assert count(User) == before
    assert audit_actions() == []


@pytest.mark.parametrize("email", ["not-an-email", "nina@", "nina example@example.com"])
def test_an_invalid_e_mail_is_refused(admin, org, email):
    before = count(User)
    response = admin.post("/org/people/new", data=person_form(email=email))
    assert response.status_code == 200
    page = page_text(response)
    assert "Invalid email address." in page
    assert count(User) == before


def test_a_missing_name_is_refused(admin, org):
    before = count(User)
    response = admin.post("/org/people/new", data=person_form(name="  "))
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert count(User) == before


# Editing -----------------------------------------------------------------------------------------

def test_editing_a_person(admin, org):
    erin = org["employee"]
    response = admin.post(f"/org/people/{erin.id}/edit", data=person_form(
        name="Erin Moved", email="Erin.Moved@example.com", department=org["finance"],
        facilitator=True, language="ru"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/org/people")
    assert (erin.name, erin.email) == ("Erin Moved", "erin.moved@example.com")
    assert erin.department == org["finance"]
    assert erin.is_facilitator and not erin.is_admin and erin.language == "ru"
    assert "Erin Moved saved." in page_text(admin.get("/org/people"))
    assert audit_actions() == ["person.update"]


def test_editing_keeps_the_departments_a_person_heads(admin, org):
    hana = org["head"]
    response = admin.post(f"/org/people/{hana.id}/edit", data=person_form(
        name="Hana Head", email=hana.email, department=org["finance"]))
    assert response.status_code == 303
    assert hana.headed_departments == [org["finance"]]


def test_editing_to_an_e_mail_someone_else_has_is_refused(admin, org):
    erin = org["employee"]
    response = admin.post(f"/org/people/{erin.id}/edit", data=person_form(
        name="Erin Employee", email="Head.Finance@example.com", department=org["sales"]))
    assert response.status_code == 200
    assert "Someone already has this e-mail address." in page_text(response)
    assert erin.email == "employee@example.com"


def test_an_admin_cannot_take_away_their_own_admin_role(admin, org):
    ada = org["admin"]
    response = admin.post(f"/org/people/{ada.id}/edit", data=person_form(
        name="Ada Renamed", email=ada.email, admin=False))
    assert response.status_code == 200
    assert "You cannot take away your own admin role." in page_text(response)
    assert ada.is_admin and ada.name == "Ada Admin"
    assert audit_actions() == []


def test_an_admin_can_make_someone_else_admin_and_back(admin, org):
    erin = org["employee"]
    data = person_form(name=erin.name, email=erin.email, department=org["sales"], admin=True)
    assert admin.post(f"/org/people/{erin.id}/edit", data=data).status_code == 303
    assert erin.is_admin
    data.pop("is_admin")
    assert admin.post(f"/org/people/{erin.id}/edit", data=data).status_code == 303
    assert not erin.is_admin


# Deactivating ------------------------------------------------------------------------------------

def test_deactivating_signs_the_person_out_everywhere_and_reactivating_lets_them_back(admin, app, org):
    erin = org["employee"]
    erin_client = app.test_client()
    assert erin_client.sign_in(erin.email, PASSWORD).status_code == 303
    assert erin_client.get("/").status_code == 200

    asked = admin.post(f"/org/people/{erin.id}/active", data={"active": "0"})
    assert asked.status_code == 200 and erin.active  # a page asks first
    assert "Deactivate Erin Employee?" in page_text(asked)
    response = admin.post(f"/org/people/{erin.id}/active", data={"active": "0", "confirmed": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/org/people/{erin.id}/edit")
    page = page_text(admin.get(f"/org/people/{erin.id}/edit"))
    assert "Erin Employee is deactivated and signed out everywhere." in page
    assert not erin.active
    response = erin_client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert erin_client.sign_in(erin.email, PASSWORD).status_code == 200  # refused
    assert audit_actions() == ["person.deactivate"]

    response = admin.post(f"/org/people/{erin.id}/active", data={"active": "1"})
    assert response.status_code == 303
    assert erin.active
    assert "Erin Employee can sign in again." in page_text(admin.get(f"/org/people/{erin.id}/edit"))
    assert erin_client.sign_in(erin.email, PASSWORD).status_code == 303
    assert audit_actions() == ["person.deactivate", "person.reactivate"]


def test_reactivating_gives_back_no_link_and_no_api_token(app, admin, org):
    head = org["head"]
    api_token = token_for(head)
    api = app.test_client()
    assert api.get("/api/v1/metrics", headers=bearer(api_token)).status_code == 200
    person = make_user("new@example.com", password=None)
    invitation, reset = issue_link(person, "invite"), issue_link(head, "reset")
    db.session.commit()
    for someone in (head, person):
        admin.post(f"/org/people/{someone.id}/active", data={"active": "0", "confirmed": "1"})
        admin.post(f"/org/people/{someone.id}/active", data={"active": "1"})
    assert head.active and person.active
    assert api.get("/api/v1/metrics", headers=bearer(api_token)).status_code == 401
    assert app.test_client().get(f"/password/{invitation}").status_code == 404
    assert app.test_client().get(f"/password/{reset}").status_code == 404
    assert count(OneTimeLink) == 0
    deactivation = db.session.scalars(audited(AuditEntry.details).where(
        AuditEntry.action == "person.deactivate")).first()
    assert deactivation == "api_tokens_revoked=1"


def test_an_admin_cannot_deactivate_themselves(admin, org):
    ada = org["admin"]
    page = admin.get(f"/org/people/{ada.id}/edit").get_data(as_text=True)
    assert "Deactivate" not in page
    response = admin.post(f"/org/people/{ada.id}/active", data={"active": "0", "confirmed": "1"})
    assert response.status_code == 303
    assert "You cannot deactivate yourself." in page_text(admin.get(f"/org/people/{ada.id}/edit"))
    assert ada.active
    assert admin.get("/").status_code == 200  # still signed in
    assert audit_actions() == []


def test_an_odd_active_value_is_a_bad_request(admin, org):
    response = admin.post(f"/org/people/{org['employee'].id}/active", data={"active": "no"})
    assert response.status_code == 400
    assert org["employee"].active


def test_the_last_active_admin_cannot_be_deactivated(org):
    actor = org["admin"]
    other = make_user("other.admin@example.com", "Oscar Admin", is_admin=True)
    actor.is_admin = False
    db.session.commit()
    with pytest.raises(OrgError, match="last active admin"):
        set_active(actor, other, False)
    db.session.rollback()
    assert other.active


def test_an_admin_can_be_deactivated_while_another_stays(org):
    other = make_user("other.admin@example.com", "Oscar Admin", is_admin=True)
    db.session.commit()
    set_active(org["admin"], other, False)
    db.session.commit()
    assert not other.active


def test_a_deactivated_admin_does_not_count_as_the_remaining_admin(org):
    actor = org["admin"]
    first = make_user("first.admin@example.com", "First Admin", is_admin=True)
    make_user("gone.admin@example.com", "Gone Admin", is_admin=True, active=False)
    actor.is_admin = False
    db.session.commit()
    with pytest.raises(OrgError, match="last active admin"):
        set_active(actor, first, False)


# Links -------------------------------------------------------------------------------------------

def test_a_new_invitation_link_replaces_the_old_one(admin, org):
    [old] = links_on(admin.post("/org/people/new", data=person_form()))
    nina = by_email("nina@example.com")
    page = admin.get(f"/org/people/{nina.id}/edit").get_data(as_text=True)
    assert "New invitation link" in page and "Password reset link" not in page
    response = admin.post(f"/org/people/{nina.id}/link")
    assert response.status_code == 200
    [new] = links_on(response)
    assert new != old
    response = admin.get(old)
    assert response.status_code == 404
    assert "This link no longer works" in page_text(response)
    assert admin.get(new).status_code == 200


def test_a_person_with_a_password_gets_a_reset_link(admin, app, org):
    erin = org["employee"]
    assert "Password reset link" in admin.get(f"/org/people/{erin.id}/edit").get_data(as_text=True)
    [first] = links_on(admin.post(f"/org/people/{erin.id}/link"))
    [second] = links_on(admin.post(f"/org/people/{erin.id}/link"))
    assert admin.get(first).status_code == 404
    assert admin.get(second).status_code == 200


def test_no_link_for_a_deactivated_person(admin, org):
    erin = org["employee"]
    erin.active = False
    db.session.commit()
    response = admin.post(f"/org/people/{erin.id}/link")
    assert response.status_code == 303
    assert "Reactivate Erin Employee first." in page_text(admin.get(response.headers["Location"]))
    assert links_on(response) == []


def test_a_deactivated_persons_open_link_stops_working(admin, org):
    [path] = links_on(admin.post("/org/people/new", data=person_form()))
    nina = by_email("nina@example.com")
    admin.post(f"/org/people/{nina.id}/active", data={"active": "0", "confirmed": "1"})
    assert admin.get(path).status_code == 404


def test_unknown_people_are_not_found(admin, org):
    assert admin.get("/org/people/999999/edit").status_code == 404
    assert admin.post("/org/people/999999/active", data={"active": "0", "confirmed": "1"}).status_code == 404
    assert admin.post("/org/people/999999/link").status_code == 404
