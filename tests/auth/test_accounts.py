"""First-run setup, invitation and reset links, own password and language."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import OneTimeLink, User, UserSession
from app.auth.passwords import password_problem
from app.dimensions.models import Dimension
from app.extensions import db
from app.time import utcnow
from tests.factories import PASSWORD, count, make_user, page_text

NEW_PASSWORD = "a brand new passphrase 42"


# First-run setup -----------------------------------------------------------------------------------

def test_first_run_setup_creates_the_admin_once(client):
    assert client.get("/").headers["Location"].endswith("/setup")
    assert client.get("/login").headers["Location"].endswith("/setup")
    response = client.post("/setup", data={"name": "Ada", "email": "Ada@Example.com",
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    admin = db.session.scalar(sa.select(User))
    assert admin.email == "ada@example.com" and admin.is_admin
    assert count(Dimension) == 9
    assert "Hello, Ada" in client.get("/").get_data(as_text=True)  # signed in straight away
    assert client.get("/setup").status_code == 404
    stranger = client.application.test_client()
    response = stranger.post("/setup", data={"name": "Eve", "email": "eve@example.com",
                                             "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    assert count(User) == 1


def test_setup_refuses_weak_password_and_changes_nothing(client):
    response = client.post("/setup", data={"name": "Ada", "email": "ada@example.com",
                                           "password": "password1", "confirm": "password1"})
    assert response.status_code == 200
    assert "most common" in response.get_data(as_text=True)
    assert count(User) == 0


@pytest.mark.parametrize("password,problem", [
    ("short", "at least 8"),
    ("x" * 129, "at most 128"),
    ("qwerty123", "most common"),
    ("Password1", "most common"),
    ("correct horse battery staple", None),
    ("y" * 64, None),
])
def test_password_rules(app, password, problem):
    with app.test_request_context():
        found = password_problem(password)
    assert (found is None) if problem is None else (problem in found)


# Links ---------------------------------------------------------------------------------------------

def test_invitation_link_works_once_and_signs_the_person_in(client, org):
    person = make_user("new@example.com", "Nina New", password=None)
    token = services.issue_link(person, "invite")
    assert "Welcome" in client.get(f"/password/{token}").get_data(as_text=True)
    response = client.post(f"/password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    home = page_text(client.get("/"))
    assert "Welcome, Nina New: your password is set and you are signed in." in home
    assert "Hello, Nina New" in home
    again = client.application.test_client()
    assert again.get(f"/password/{token}").status_code == 404
    assert again.post(f"/password/{token}", data={"password": "another long one 77",
                                                  "confirm": "another long one 77"}).status_code == 404
    assert again.sign_in("new@example.com", NEW_PASSWORD).status_code == 303


def test_expired_link_does_not_work(client, org):
    person = make_user("new@example.com", password=None)
    token = services.issue_link(person, "invite")
    db.session.execute(sa.update(OneTimeLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get(f"/password/{token}").status_code == 404
    assert client.post(f"/password/{token}", data={"password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD}).status_code == 404
    assert db.session.get(User, person.id).password_hash is None


def test_new_link_replaces_the_old_one(client, org):
    person = make_user("new@example.com", password=None)
    old = services.issue_link(person, "invite")
    services.issue_link(person, "invite")
    assert client.get(f"/password/{old}").status_code == 404


def test_links_are_stored_only_as_hashes(client, org):
    person = make_user("new@example.com", password=None)
    token = services.issue_link(person, "invite")
    stored = db.session.scalar(sa.select(OneTimeLink.token_hash))
    assert token not in stored and len(stored) == 64


def test_link_form_refuses_mismatch_and_weak_password(client, org):
    person = make_user("new@example.com", password=None)
    token = services.issue_link(person, "invite")
    mismatch = client.post(f"/password/{token}", data={"password": NEW_PASSWORD, "confirm": "other one!!"})
    assert "The two passwords differ." in mismatch.get_data(as_text=True)
    weak = client.post(f"/password/{token}", data={"password": "12345678", "confirm": "12345678"})
    assert "most common" in weak.get_data(as_text=True)
    assert db.session.get(User, person.id).password_hash is None
    assert client.get(f"/password/{token}").status_code == 200  # still usable


def test_reset_link_ends_existing_sessions_and_signs_in_where_it_was_used(app, client, org):
    client.sign_in("employee@example.com", PASSWORD)
    token = services.issue_link(org["employee"], "reset")
    other = app.test_client()
    used = other.post(f"/password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                      follow_redirects=True)
    assert "your other sessions have ended" in page_text(used) and "Hello, Erin Employee" in page_text(used)
    assert client.get("/").status_code == 302
    assert count(UserSession) == 1  # the one the link began
    stranger = app.test_client()
    assert stranger.sign_in("employee@example.com", PASSWORD).status_code == 200
    assert stranger.sign_in("employee@example.com", NEW_PASSWORD).status_code == 303


def test_a_link_opened_where_someone_else_is_signed_in_ends_their_session(client, org):
    """An admin trying an invitation in their own browser: the admin is signed out there, for good."""
    client.sign_in("admin@example.com", PASSWORD)
    person = make_user("new@example.com", "Nina New", password=None)
    token = services.issue_link(person, "invite")
    client.post(f"/password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Hello, Nina New" in page_text(client.get("/"))
    assert db.session.scalars(sa.select(UserSession.user_id)).all() == [person.id]


def test_two_racing_uses_of_one_link_succeed_once(app, org):
    person = make_user("race@example.com", password=None)
    token = services.issue_link(person, "invite")
    db.session.commit()
    results, barrier = [], threading.Barrier(2)

    def use(password):
        with app.app_context():
            barrier.wait()
            try:
                services.set_password_from_link(token, password)
                db.session.commit()
                results.append(password)
            except services.AccountError:
                db.session.rollback()
                results.append(None)

    threads = [threading.Thread(target=use, args=(p,)) for p in ("first passphrase 1", "second passphrase 2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r]
    assert len(winners) == 1
    db.session.expire_all()
    assert services.authenticate("race@example.com", winners[0]) is not None


# Own account ---------------------------------------------------------------------------------------

def test_change_password_keeps_this_session_and_ends_others(app, client, org):
    client.sign_in("employee@example.com", PASSWORD)
    elsewhere = app.test_client()
    elsewhere.sign_in("employee@example.com", PASSWORD)
    wrong = client.post("/account", data={"current": "not it at all", "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert "The current password is not right." in wrong.get_data(as_text=True)
    right = client.post("/account", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert right.status_code == 303
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_language_follows_choice_then_browser(app, client, org):
    anonymous = app.test_client()
    page = anonymous.get("/login", headers={"Accept-Language": "ru,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Войти" in page
    client.sign_in("employee@example.com", PASSWORD)
    client.post("/language", data={"language": "ru"})
    assert db.session.get(User, org["employee"].id).language == "ru"
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Выйти" in page
    client.post("/language", data={"language": "xx"})  # not offered: ignored
    assert db.session.get(User, org["employee"].id).language == "ru"
