"""Signing in and out: one answer for every failure, rate limits, sessions that really end."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth import passwords
from app.auth.models import User, UserSession
from app.auth.services import load_session, start_session
from app.extensions import db
from app.time import utcnow
from tests.factories import PASSWORD, make_user

FAILURE = "The e-mail or password is not right."


def visible_answer(response) -> str:
    """The page without its CSRF token, which carries the second it was signed and so may differ anyway.

    Every copy goes (form fields, the meta tag, htmx's headers); the e-mail typed is shown back as typed.
    """
    page = response.get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return re.sub(r'value="[^"]*@[^"]*"', "", page.replace(token, ""))


def test_sign_in_and_out(client, org):
    response = client.sign_in("ADMIN@example.com ", PASSWORD)  # case and spaces do not matter
    assert response.status_code == 303
    assert "Hello, Ada Admin" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_unknown_email_wrong_password_and_deactivated_get_the_same_answer(client, org):
    make_user("gone@example.com", active=False)
    answers = [
        client.sign_in("nobody@example.com", PASSWORD),
        client.sign_in("admin@example.com", "wrong password entirely"),
        client.sign_in("gone@example.com", PASSWORD),
    ]
    assert {r.status_code for r in answers} == {200}
    assert all(FAILURE in r.get_data(as_text=True) for r in answers)
    assert len({visible_answer(r) for r in answers}) == 1


def test_invited_person_without_password_cannot_sign_in(client, org):
    make_user("invited@example.com", password=None)
    assert FAILURE in client.sign_in("invited@example.com", "not a real password").get_data(as_text=True)


def test_login_rate_limit_per_address(app, client, org):
    for n in range(10):  # over many accounts: one account's own limits are tests/auth/test_lockout.py's
        assert client.sign_in(f"person{n}@example.com", "wrong password entirely").status_code == 200
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 429
    # The same for an address nobody has: the limit reveals nothing about accounts.
    assert client.sign_in("nobody@example.com", PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_use_up_the_limit(client, org):
    for _ in range(12):
        assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
        client.post("/logout")


def test_session_is_renewed_at_sign_in(app, client, org):
    client.get("/login")
    before = client.get_cookie("tz_session").value
    client.sign_in("admin@example.com", PASSWORD)
    assert client.get_cookie("tz_session").value != before
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert str(org["admin"].id) != token  # the cookie carries a random session token, not the user id


def replay(app, cookie_value):
    other = app.test_client()
    other.set_cookie("tz_session", cookie_value, domain="localhost")
    return other.get("/")


def test_logout_ends_the_session_on_the_server(app, client, org):
    client.sign_in("admin@example.com", PASSWORD)
    stolen = client.get_cookie("tz_session").value
    assert replay(app, stolen).status_code == 200
    client.post("/logout")
    assert replay(app, stolen).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_deactivation_ends_every_session(app, client, org):
    client.sign_in("employee@example.com", PASSWORD)
    admin = app.test_client()
    admin.sign_in("admin@example.com", PASSWORD)
    deactivated = admin.post(f"/org/people/{org['employee'].id}/active",
                             data={"active": "0", "confirmed": "1"})
    assert deactivated.status_code == 303
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_out_everywhere_ends_every_session_this_one_too(app, client, org):
    client.sign_in("employee@example.com", PASSWORD)
    other = app.test_client()
    other.sign_in("employee@example.com", PASSWORD)
    somebody_else = app.test_client()
    somebody_else.sign_in("admin@example.com", PASSWORD)
    assert "Sign out everywhere" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/sign-out-everywhere", csrf=False).status_code == 400  # CSRF-protected
    assert other.get("/").status_code == 200
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "You have signed out everywhere" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302 and other.get("/").status_code == 302
    assert somebody_else.get("/").status_code == 200
    assert db.session.scalar(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == "sign_out.everywhere")) == org["employee"].id


def test_idle_timeout(app, client, org):
    client.sign_in("admin@example.com", PASSWORD)
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    assert client.get("/").status_code == 302


def test_absolute_timeout(app, client, org):
    client.sign_in("admin@example.com", PASSWORD)
    db.session.execute(sa.update(UserSession).values(
        created_at=utcnow() - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)))
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/org/people", "/org/people"),
    ("//evil.example.com/x", "/"),
    ("https://evil.example.com/", "/"),
    ("/\\evil.example.com", "/"),
    ("javascript:alert(1)", "/"),
    ("/org/people\r\nSet-Cookie: x=1", "/"),  # no header may carry CR or LF: it was a 500
])
def test_only_local_next_redirects(client, org, target, expected):
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD,
                                           "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_protected_page_sends_to_login_and_back(client, org):
    response = client.get("/org/people")
    assert response.status_code == 302
    assert "next=/org/people" in response.headers["Location"]


def test_htmx_request_after_sign_in_expired_redirects_whole_page(client, org):
    response = client.get("/org/people", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_password_is_rehashed_when_parameters_change(client, org, owasp_hashing):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.execute(sa.update(User).where(User.email == "admin@example.com").values(password_hash=weak))
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
    stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "admin@example.com"))
    assert stored != weak and not passwords.hasher.check_needs_rehash(stored)
    assert "$argon2id$" in stored and "m=19456,t=2,p=1" in stored


def test_the_session_loader_answers_the_object_the_session_already_holds(app, org):
    token = start_session(org["head"])
    db.session.commit()
    with app.test_request_context("/"):  # the test's own database session, which holds the person
        assert load_session(token) is org["head"]
