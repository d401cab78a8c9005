"""The documented way back from an upgrade (docs/DEPLOYMENT.md): a backup taken at an older schema
revision, restored over the upgraded database, gives exactly the backup's database back, rows and schema,
and `flask db upgrade` then runs again (SQLite, or PostgreSQL with TEST_DATABASE_URL). A restore that fails
half-way leaves the database as it was."""
import pytest
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.conftest import MIGRATIONS, TEST_DATABASE_URL, migrate_to_head, reset_postgres
from tests.factories import make_department
from tests.ops.test_backup import cli, snapshot
from tests.ratings.test_services import ON_POSTGRES
from tests.web.test_migrations import differences
from tests.web.test_migrations_keep_rows import changed, demo_company, row_counts, schema

OLDER = "0009"  # before 0010's trigger function on PostgreSQL and the tables of 0013 and 0014


def named(schema: set[tuple]) -> set[tuple]:
    """Each table, column, constraint, index and trigger by its name (pg_dump writes a CHECK constraint's
    expression anew, in other words), and the schema's owner and grants."""
    return {row if row[0] == "schema" else row[:3] for row in schema}


@pytest.fixture
def built_again(app):
    """On PostgreSQL the suite's tests share one database built by the migrations; a restored one holds the
    same schema in pg_dump's words (CHECK constraints read otherwise), so it is built again after the test."""
    yield
    if ON_POSTGRES:
        db.session.remove()
        db.engine.dispose()
        reset_postgres(TEST_DATABASE_URL)
        migrate_to_head(TEST_DATABASE_URL)


def test_a_backup_of_an_older_schema_restored_over_an_upgrade_gives_back_exactly_its_database(app, tmp_path,
                                                                                              built_again):
    demo_company()
    if ON_POSTGRES:  # a grant the schema must keep: the app may sign in as a role that does not own it
        with db.engine.begin() as connection:
            connection.exec_driver_sql("GRANT USAGE ON SCHEMA public TO PUBLIC")
    downgrade(directory=MIGRATIONS, revision=OLDER)
    rows, shape = row_counts(), named(schema())
    path = tmp_path / "before-the-upgrade.backup"
    made = cli(app, "backup", str(path))
    assert made.exit_code == 0 and f"schema revision {OLDER}" in made.output, made.output
    upgrade(directory=MIGRATIONS)
    make_department("Written after the backup", "NEW")
    db.session.commit()
    db.session.remove()

    done = cli(app, "restore", "--yes", str(path))
    assert done.exit_code == 0, done.output
    assert "run `flask db upgrade`" in done.output
    assert row_counts() == rows
    assert named(schema()) ^ shape == set()
    upgrade(directory=MIGRATIONS)  # the way forward again
    assert differences() == []
    assert changed(rows, row_counts()) == {}


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(app, tmp_path):
    demo_company()
    path = tmp_path / "whole.backup"
    assert cli(app, "backup", str(path)).exit_code == 0
    cut = tmp_path / "cut.backup"  # the archive's table of contents and first tables, not the rest
    cut.write_bytes(path.read_bytes()[:path.stat().st_size * 3 // 5])
    make_department("Written after the backup", "NEW")
    db.session.commit()
    before = snapshot()
    db.session.rollback()  # as the app, stopped, holds nothing open
    refused = cli(app, "restore", "--yes", str(cut))
    assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
    # SQLite's check finds the file damaged; pg_restore reads the table of contents and fails later on
    assert ("malformed" if not ON_POSTGRES else "pg_restore failed") in refused.output, refused.output
    assert snapshot() == before
