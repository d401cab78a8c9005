"""Fixtures: each test gets a fresh database built by the real migrations (SQLite file or PostgreSQL)."""
import functools
import importlib.util
import os
import re
import shutil

import jinja2
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from flask_migrate import upgrade

os.environ["TZ_ENV"] = "testing"

from app import create_app  # noqa: E402
from app.auth import passwords  # noqa: E402
from app.extensions import db, limiter  # noqa: E402

# OWASP's argon2 cost takes 25 ms a password, and the suite signs in thousands of times: it hashes at the
# lowest cost instead. `owasp_hashing` puts the app's own hasher back for the tests of that cost.
OWASP_HASHER = passwords.hasher
passwords.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def app_config(uri: str, **extra) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "SERVER_NAME": "localhost",
        **extra,
    }


def reset_postgres(uri: str) -> None:
    engine = sa.create_engine(uri.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def migrate_to_head(uri: str) -> None:
    app = create_app(app_config(uri))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


@functools.cache
def _migration(name: str):
    path = os.path.join(MIGRATIONS, "versions", name)
    spec = importlib.util.spec_from_file_location("seeding_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def restore_seeded_rows(connection) -> None:
    """Put back the rows the migrations seed (root causes, themes and their keywords), as the SQLite copy of
    the template has them."""
    migration = _migration("20261122_0004_improvement_projects.py")
    connection.execute(sa.text(
        "INSERT INTO root_causes (key, name_en, name_ru, position, retired) "
        "VALUES (:key, :en, :ru, :position, false)"),
        [{"key": key, "en": en, "ru": ru, "position": i}
         for i, (key, en, ru) in enumerate(migration.ROOT_CAUSES)])
    _migration("20261206_0029_comment_themes.py").seed_keywords(connection)


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL the suite runs again for what the database decides: a test that opens no database of
    the suite's (statistics, the import layers, the catalogs, the demo on a SQLite file of its own), or is
    marked `sqlite_suffices`, gave its answer in the run on SQLite."""
    if TEST_DATABASE_URL:
        def answered_on_sqlite(item) -> bool:
            return ("template_database" not in item.fixturenames
                    or item.get_closest_marker("sqlite_suffices") is not None)

        config.hook.pytest_deselected(items=[item for item in items if answered_on_sqlite(item)])
        items[:] = [item for item in items if not answered_on_sqlite(item)]


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """The schema built once by the migrations: a SQLite file to copy, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)
        migrate_to_head(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_uri(template_database, tmp_path):
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        engine = sa.create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            # DELETE, children first, is eight times faster than TRUNCATE on tables this small (TRUNCATE
            # makes new files for every table and index); the sequences restart as RESTART IDENTITY would.
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            connection.exec_driver_sql(
                "SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'")
            restore_seeded_rows(connection)
        engine.dispose()
    else:
        path = tmp_path / "test.sqlite"
        shutil.copy(template_database, path)
        yield f"sqlite:///{path}"


class CompiledTemplates(jinja2.BytecodeCache):
    """The templates compiled once for the whole run, keyed by name and source: each test's new app would
    compile them all again, which took a third of the time of a test that opens a page."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self.compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture
def app(database_uri):
    app = create_app(app_config(database_uri))
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    app.test_client_class = CsrfClient
    limiter.reset()
    # A test with an unreachable Redis leaves the process-wide limiter on its in-memory fallback, which
    # reset() does not empty: every test starts on the configured storage again.
    limiter._storage_dead = False
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def owasp_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "hasher", OWASP_HASHER)


class CsrfClient(FlaskClient):
    """A browser-like client: it reads the CSRF token from the page and sends it with every post.

    Each request runs in its own app context (its own `g` and database session), as in production;
    the test's pending work is committed first so the request sees it, and the test's objects are
    expired so they show what the request changed.
    """

    token: str | None = None

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def refresh_token(self) -> str:
        page = self.get("/login", follow_redirects=True).get_data(as_text=True)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        self.token = match.group(1)
        return self.token

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.token or self.refresh_token())
            kwargs["headers"] = headers
        return super().post(*args, **kwargs)

    def sign_in(self, email: str, password: str):
        self.token = None
        response = self.post("/login", data={"email": email, "password": password})
        self.token = None  # the session was renewed at sign-in, and so was the token
        return response


from tests.factories import *  # noqa: E402,F401,F403  (factories as fixtures)
