"""When a part is down or behind: the database unreachable, or a migration behind the code. People get the
app's own page in their language, never a bare error; /healthz says which part is not ready."""
import logging

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.conftest import CsrfClient, app_config
from tests.factories import PASSWORD, make_user

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1


@pytest.fixture
def outage(app):
    """A second app sharing the first one's secret key whose database cannot be reached: a signed-in
    person's cookie carries over, as it would when the database goes down under them."""
    down = create_app(app_config(UNREACHABLE))
    down.test_client_class = CsrfClient
    return down


def carry_cookie(client, down):
    other = down.test_client()
    name = down.config["SESSION_COOKIE_NAME"]
    other.set_cookie(name, client.get_cookie(name).value, domain="localhost")
    return other


@pytest.mark.parametrize("language,title", [("en", "Back in a moment"), ("ru", "Скоро вернёмся")])
def test_a_signed_in_person_gets_the_apps_own_page_in_their_language_while_the_database_is_down(
        app, client, outage, language, title, caplog):
    make_user("ann@example.com", "Ann Admin", is_admin=True, language=language)
    assert client.sign_in("ann@example.com", PASSWORD).status_code == 303
    tab = carry_cookie(client, outage)
    with caplog.at_level(logging.ERROR):
        response = tab.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert f"<h1>{title}</h1>" in page and f'lang="{language}"' in page
    assert "Traceback" not in page and "Internal Server Error" not in page
    assert "cannot be reached" in caplog.text
    assert tab.post("/language", data={"language": "en"}, csrf=False).status_code == 503  # a post too


def test_health_says_ok_only_when_the_database_answers_with_the_codes_migration(app, client, outage):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"
    down = outage.test_client().get("/healthz")
    assert down.status_code == 503 and down.json == {"status": "unavailable", "database": "unreachable"}


@pytest.fixture
def behind(app):
    """The database one migration behind the code (as after deploying new code before `flask db upgrade`)."""
    head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    yield head
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    db.session.commit()


def test_a_database_behind_the_code_says_so_on_every_page_and_in_the_log(app, client, behind, caplog):
    make_user("ann@example.com", "Ann Admin", is_admin=True)
    with caplog.at_level(logging.ERROR):
        for path in ("/", "/login", "/rounds", "/org/people"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "Trading Zone is being updated." in response.get_data(as_text=True)
    assert f"needs {behind}: run `flask db upgrade`" in caplog.text
    health = client.get("/healthz")
    assert health.status_code == 503
    assert (health.json["migration"], health.json["needed"]) == ("0001", behind)
    assert client.get("/static/css/app.css").status_code == 200  # the page keeps its looks


def test_once_upgraded_the_pages_come_back_without_a_restart(app, client, behind):
    make_user("ann@example.com", "Ann Admin", is_admin=True)
    assert client.get("/login").status_code == 503
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": behind})
    db.session.commit()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
