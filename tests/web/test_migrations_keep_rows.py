"""Every migration keeps every row of a populated database. The demo company goes down one revision at a
time from head to base (SQLite, or PostgreSQL with TEST_DATABASE_URL); at each revision it also goes up
one step and down again, so that every upgrade, too, runs on the company's rows. A step keeps the rows of
every table it neither creates nor drops, and the values of every column it neither adds nor drops; going
down and up again gives back the revision's schema. Naturally gone: the rows of the tables a downgrade
drops (0013's staged uploads; 0009's names version and 0014's baseline readings, which the upgrade derives
again) and the values of the columns it drops (0015's notes on skips, 0016's cards' choice, 0011's noise
scale). The one row a step drops on purpose: below 0011, the skips waiting in an open round, which the old
buffer never held.

On SQLite, migrations run with foreign keys off (migrations/env.py): a migration that copies a table anew
keeps the rows referring to it, and one that would leave rows referring to nothing fails, changing nothing.
"""
import shutil

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.demo import load_demo
from app.extensions import db
from app.ratings.models import PendingBallot
from app.ratings.sealing import unseal
from tests.conftest import MIGRATIONS
from tests.ratings.test_services import ON_POSTGRES

PG_SCHEMA = """
SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT 'trigger', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
FROM pg_trigger WHERE NOT tgisinternal
UNION ALL SELECT 'column', table_name, column_name, concat_ws(' ', data_type, is_nullable, column_default)
FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL SELECT 'schema', nspname, nspowner::regrole::text, nspacl::text FROM pg_namespace
WHERE nspname = 'public'
"""


def demo_company() -> None:
    load_demo()
    db.session.commit()
    db.session.remove()  # no session holds a table the migrations change


def scripts(app) -> ScriptDirectory:
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))


def row_counts() -> dict[str, int]:
    """Each table's rows, and the values in each of its nullable columns ("table.column"): a cascade that
    sets a reference to NULL empties a column, not a table."""
    counts = {}
    with db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in set(inspector.get_table_names()) - {"alembic_version"}:
            nullable = [c["name"] for c in inspector.get_columns(table) if c["nullable"]]
            counted = ", ".join(["count(*)", *(f'count("{c}")' for c in nullable)])
            rows, *values = connection.execute(sa.text(f'SELECT {counted} FROM "{table}"')).one()
            counts[table] = rows
            counts.update({f"{table}.{c}": n for c, n in zip(nullable, values, strict=True)})
    return counts


def schema() -> set[tuple]:
    """What the database holds besides rows: tables and columns, constraints, indexes and triggers (and on
    PostgreSQL the schema's owner and grants)."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            return {(kind, name, table_parts(sql) if kind == "table" else sql)
                    for kind, name, sql in connection.execute(sa.text(
                        "SELECT type, name, sql FROM sqlite_master WHERE name <> 'alembic_version'"))}
        return set(connection.execute(sa.text(PG_SCHEMA)).all())


# SQLite adds a NOT NULL column only with a default, and drops a default only by copying the table (which
# 0010's triggers on `projects` forbid): below 0017 the column 0017 removes keeps a default of ''. The app
# writes the column in every insert, so the default never fills anything.
SQLITE_LEFT_DEFAULTS = {"baseline_rule TEXT DEFAULT '' NOT NULL": "baseline_rule TEXT NOT NULL"}


def table_parts(sql: str) -> frozenset[str]:
    """A table's columns and constraints, whatever their order: a column dropped and added again by a step
    down and up comes back last, which changes nothing the app or the data can tell."""
    body = sql[sql.index("(") + 1:sql.rindex(")")]
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    parts = (" ".join(part.split()) for part in parts)
    return frozenset(SQLITE_LEFT_DEFAULTS.get(part, part) for part in parts)


def dropped_on_purpose(revision: str) -> dict[str, int]:
    """The rows going below `revision` drops by design, by table."""
    if revision != "0011":
        return {}
    return {"pending_ballots": sum(1 for sealed in db.session.scalars(sa.select(PendingBallot.sealed))
                                   if unseal(sealed).get("skip"))}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    """What is on both sides of a step and whose count changed."""
    both = before.keys() & after.keys()
    return {key: (before[key], after[key]) for key in both if before[key] != after[key]}


def test_every_step_down_to_base_and_up_again_keeps_the_demo_companys_rows(app):
    demo_company()
    company, built = row_counts(), schema()
    assert min(company[t] for t in ("check_ins", "project_members", "readings", "workshop_cards")) > 0
    for script in scripts(app).walk_revisions():  # head first
        revision, below = script.revision, script.down_revision or "base"
        rows, shape, dropped = row_counts(), schema(), dropped_on_purpose(revision)
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision=below)
        down = row_counts()
        rows.update({table: rows[table] - n for table, n in dropped.items()})
        assert changed(rows, down) == {}, f"down {revision} → {below}"
        upgrade(directory=MIGRATIONS, revision=revision)
        assert changed(down, row_counts()) == {}, f"up {below} → {revision}"
        assert schema() ^ shape == set(), f"down and up again {revision}"
        downgrade(directory=MIGRATIONS, revision=below)
    assert row_counts() == {}
    upgrade(directory=MIGRATIONS)  # built from nothing again, as the suite's next test expects
    assert schema() ^ built == set()


def migrations_with(tmp_path, app, upgrade_body: str) -> str:
    """The migrations and one more on top, whose upgrade runs `upgrade_body`."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / "29991231_9999_on_top.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = '9999'\ndown_revision = '{scripts(app).get_current_head()}'\n\n\n"
        f"def upgrade():\n    {upgrade_body}\n\n\ndef downgrade():\n    pass\n")
    return str(directory)


COPY_METRICS_ANEW = """with op.batch_alter_table('metrics', recreate='always') as batch_op:
        batch_op.add_column(sa.Column('rebuilt', sa.Integer()))"""


@pytest.mark.skipif(ON_POSTGRES, reason="batch mode copies tables only on SQLite")
def test_a_migration_that_copies_a_table_anew_keeps_the_rows_that_refer_to_it(app, tmp_path):
    """A migration a future version adds in batch mode (as autogenerate writes them) copies `metrics`
    anew and drops the old table: the metrics' readings stay, and the projects measured by them."""
    demo_company()
    before = row_counts()
    upgrade(directory=migrations_with(tmp_path, app, COPY_METRICS_ANEW))
    assert changed(before, row_counts()) == {}
    with db.engine.connect() as connection:  # and the app's connections enforce foreign keys again
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL enforces foreign keys while migrating")
def test_a_migration_that_would_leave_rows_referring_to_nothing_fails_and_changes_nothing(app, tmp_path,
                                                                                         capfd):
    demo_company()
    before = row_counts()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade(directory=migrations_with(tmp_path, app, "op.execute('DELETE FROM departments')"))
    assert "9999 would leave rows referring to nothing" in capfd.readouterr().err
    assert row_counts() == before
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() != "9999"
