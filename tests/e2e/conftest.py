"""Browser fixtures: the real app served on a free port, and Chromium driven through Playwright."""
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, limiter
from tests.conftest import COMPILED_TEMPLATES, TEST_DATABASE_URL, app_config, migrate_to_head

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every test waits through Playwright's auto-waiting; this only bounds how long a broken page is awaited.
TIMEOUT_MS = 15_000


@dataclass
class LiveServer:
    url: str
    app: Flask

    def __str__(self) -> str:
        return self.url

    @contextmanager
    def database(self):
        """An app context on the server's own app, to add data with the factories; committed at the end."""
        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def sqlite_template(request, tmp_path_factory) -> Path:
    """A migrated SQLite file to copy; built here when the unit tests run against PostgreSQL."""
    if not TEST_DATABASE_URL:
        return Path(request.getfixturevalue("template_database"))
    path = tmp_path_factory.mktemp("e2e-template") / "template.sqlite"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of the test's own (the unit tests may be using theirs beside it), built by the
    migrations, on the server of TEST_DATABASE_URL or else 127.0.0.1:5432; dropped afterwards."""
    server = make_url(TEST_DATABASE_URL or "postgresql://postgres@127.0.0.1:5432/test")
    name = f"tz_browser_{secrets.token_hex(4)}"
    admin = sa.create_engine(server.set(drivername="postgresql+psycopg", database="postgres"),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {server.host}:{server.port}: {error.orig}"
        if os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        uri = server.set(database=name).render_as_string(hide_password=False)
        migrate_to_head(uri)
        yield uri
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def live_server(request, sqlite_template, tmp_path) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 and a free port, with a database of its own (SQLite; PostgreSQL for a test that
    asks with `@pytest.mark.parametrize("live_server", ["postgresql"], indirect=True)`); ready once
    make_server returns."""
    if getattr(request, "param", "sqlite") == "postgresql":
        uri = request.getfixturevalue("postgres_database")
    else:
        uri = f"sqlite:///{tmp_path / 'live.sqlite'}"
        wants_demo = "demo" in request.fixturenames
        shutil.copy(request.getfixturevalue("demo_template") if wants_demo else sqlite_template,
                    tmp_path / "live.sqlite")
    app = create_app(app_config(uri, SERVER_NAME=None))
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def _new_page(browser, **options):
    context = browser.new_context(locale="en-US", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = _new_page(browser)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A page in a 375 px wide window."""
    context, page = _new_page(browser, viewport={"width": 375, "height": 800})
    yield page
    context.close()


@pytest.fixture(scope="session")
def demo_template(sqlite_template, tmp_path_factory) -> Path:
    """The demo company loaded once into a SQLite file, which the live server of each test that asks for
    `demo` copies (loading it takes seconds; copying a file does not)."""
    from app.demo import load_demo

    path = tmp_path_factory.mktemp("e2e-demo") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def demo(live_server):
    """The demo company on the live server (a copy of `demo_template`); its address."""
    return live_server.url


@pytest.fixture
def no_js_page(browser):
    context, page = _new_page(browser, java_script_enabled=False)
    yield page
    context.close()


# Helpers shared by the browser tests --------------------------------------------------------------

def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the form, as a person would, and wait for the home page."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    page_ready(page)


def form_ready(page, autofocus_label: str) -> None:
    """Wait until a form reached by a boosted link has put the focus on its first field: htmx does that
    when the swap settles, a moment after the page shows, and a field typed into before then would lose
    the focus half-way (its text landing in the first field)."""
    from playwright.sync_api import expect

    expect(page.get_by_label(autofocus_label, exact=True)).to_be_focused()


def page_ready(page) -> None:
    """Wait until the page shown answers clicks the htmx way: a new page once its deferred scripts have run
    (the load event), a boosted one once its swap has settled. A click before then is a plain one, which
    loads a whole page where htmx would have swapped a part (and put the focus back)."""
    page.wait_for_load_state()
    swap_settled(page)


def swap_settled(page) -> None:
    """Wait until htmx has settled the last swap. Focus comes back to the control during the swap, but
    htmx binds the new content's hx- attributes only when it settles, a moment later: a key pressed
    before then submits the form the plain way and reloads the page."""
    from playwright.sync_api import expect

    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
