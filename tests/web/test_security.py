"""Security headers, cookies, CSRF and error pages as a browser or an attacker sees them."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.org.models import Department, ServiceLink
from app.projects.models import RootCause
from app.ratings.models import Round
from app.workshops.models import Workshop
from tests.api.helpers import bearer, token_for
from tests.factories import PASSWORD


def test_security_headers_on_every_page(client, org):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client, org):
    client.sign_in("admin@example.com", PASSWORD)
    for path in ("/", "/org/people", "/org/service-map", "/account", "/dimensions", "/audit"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "hx-on" not in page, path


def test_signed_in_pages_are_not_stored(client, org):
    client.sign_in("admin@example.com", PASSWORD)
    assert client.get("/org/people").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_session_cookie_flags(app, client, org):
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_under_https(database_uri):
    from app import create_app
    from tests.conftest import app_config

    app = create_app(app_config(database_uri, PREFERRED_URL_SCHEME="https"))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, org):
    client.sign_in("admin@example.com", PASSWORD)
    data = {"provider": org["sales"].id, "client": org["finance"].id, "state": "on"}
    response = client.post("/org/service-map", data=data, csrf=False)
    assert response.status_code == 400
    assert db.session.get(ServiceLink, (org["sales"].id, org["finance"].id)) is None
    accepted = client.post("/org/service-map", data=data)  # token in the X-CSRFToken header
    assert accepted.status_code == 303
    assert db.session.get(ServiceLink, (org["sales"].id, org["finance"].id)) is not None


def test_csrf_failure_on_htmx_request_refreshes_the_page(client, org):
    client.sign_in("admin@example.com", PASSWORD)
    response = client.post("/org/service-map", csrf=False,
                           headers={"HX-Request": "true", "X-CSRFToken": "forged"},
                           data={"provider": org["sales"].id, "client": org["finance"].id, "state": "on"})
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceLink)) == 1


def shown_token(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_error_pages_in_both_languages(client, org):
    english = client.get("/no-such-page")
    assert english.status_code == 404
    assert "There is nothing at this address." in english.get_data(as_text=True)
    russian = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert russian.status_code == 404 and 'lang="ru"' in russian.get_data(as_text=True)
    assert "There is nothing" not in russian.get_data(as_text=True)


def test_unexpected_error_shows_no_stack_trace(app, client, org):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in text and "secret internals" not in text and "Traceback" not in text


def test_get_never_changes_state(client, org):
    """Action routes accept POST only: a link or an image tag cannot trigger them."""
    client.sign_in("admin@example.com", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.get(f"/org/people/{org['employee'].id}/active?active=0").status_code == 405
    assert client.get("/").status_code == 200


def test_hidden_buttons_and_refused_requests_agree(client, org):
    client.sign_in("head.finance@example.com", PASSWORD)
    page = client.get(f"/org/departments/{org['finance'].id}").get_data(as_text=True)
    assert "/edit" not in page and "/delete" not in page
    assert client.get(f"/org/departments/{org['finance'].id}/edit").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "/org/people" not in home and "/audit" not in home
    assert client.get("/org/people").status_code == 403


def test_an_id_beyond_the_database_range_is_not_found(client, org):
    client.sign_in("admin@example.com", PASSWORD)
    assert client.get("/org/departments/238663062576621664").status_code == 404
    api = client.get("/api/v1/metrics/238663062576621664/readings", headers=bearer(token_for(org["admin"])))
    assert api.status_code == 404


def test_text_no_database_can_store_is_refused_with_a_message_by_every_form(client, org):
    """The rule lives in the forms' base: the sign-in (before anyone is known), a reset request and an
    admin's department form each answer with the form and a message, store nothing and never fail (a NUL
    byte was a 500 on PostgreSQL)."""
    text = "nul\x00byte"
    client.application.config["MAIL_SERVER"] = "127.0.0.1"  # without one the reset form is not offered
    for url, data in (("/login", {"email": text, "password": text}), ("/forgot", {"email": text})):
        response = client.post(url, data=data)
        assert response.status_code == 200
        assert "cannot be stored" in response.get_data(as_text=True)
    client.sign_in("admin@example.com", PASSWORD)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Department))
    response = client.post("/org/departments/new", data={"name": text, "code": "NEW"})
    assert response.status_code == 200 and "cannot be stored" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == before


BEYOND_FLOATS = "1" + "0" * 400  # an integer that Python reads, but no float holds


@pytest.mark.parametrize(("who", "url", "data", "model", "status"), [
    ("admin@example.com", "/projects/root-causes",
     {"key": "weather", "name_en": "Weather", "name_ru": "Погода", "position": str(2**31)}, RootCause, 422),
    ("admin@example.com", "/projects/root-causes",
     {"key": "weather", "name_en": "Weather", "name_ru": "Погода", "position": BEYOND_FLOATS}, RootCause,
     422),
    ("facilitator@example.com", "/rounds/new",
     {"name": "Autumn", "opens_on": "2026-09-01", "closes_on": "2026-09-30", "threshold": BEYOND_FLOATS,
      "department_ids": None}, Round, 200),
    ("facilitator@example.com", "/workshops/new",
     {"title": "Hand-offs", "held_on": "2026-07-01", "round_id": "0", "vote_budget": "-" + BEYOND_FLOATS,
      "department_ids": None}, Workshop, 422),
])
def test_a_number_beyond_the_databases_integers_is_refused_with_a_message_by_every_form(
        client, org, who, url, data, model, status):
    """The rule lives in the forms' base too: a whole number beyond PostgreSQL's integer is refused with a
    message, whatever the field's own checks (WTForms' NumberRange turned 10⁴⁰⁰ into a float: a 500; a
    field without a range handed the number to the database: a 500 too)."""
    client.sign_in(who, PASSWORD)
    if "department_ids" in data:  # both departments of the org
        data = {**data, "department_ids": [org["finance"].id, org["sales"].id]}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    response = client.post(url, data=data)
    assert response.status_code == status
    assert "This number is too large." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == before


HUGE = str(2**64)  # beyond PostgreSQL's integer (2³¹) and SQLite's (2⁶³)


@pytest.mark.parametrize(("who", "url", "status"), [
    ("employee@example.com", f"/projects?department={HUGE}&metric={HUGE}&dimension={HUGE}", 200),
    ("head.finance@example.com", f"/projects/new?round={HUGE}&department={HUGE}&dimension={HUGE}", 200),
    ("admin@example.com", f"/org/people?department={HUGE}", 200),
    ("admin@example.com", f"/audit?page={HUGE}", 200),
    ("admin@example.com", f"/projects/root-causes?id={HUGE}", 404),
    ("admin@example.com", f"/projects/root-causes?id={2**31}", 404),
])
def test_an_id_beyond_the_databases_integers_is_no_id_not_an_error(client, org, who, url, status):
    client.sign_in(who, PASSWORD)
    assert client.get(url).status_code == status
