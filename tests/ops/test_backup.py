"""`flask backup` and `flask restore` on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
a backup taken while people answer restores with the same published results and every ballot in it
counting once; restore refuses what is not a Trading Zone backup and changes nothing; waiting ballots are
in a backup only sealed."""
import sqlite3
import subprocess
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.extensions import db
from app.ratings.models import BallotCount, Participation, PendingBallot, Round, Tally
from app.reports import results
from app.reports.gate import OVERALL
from tests.conftest import TEST_DATABASE_URL, app_config
from tests.factories import link, make_department, make_user
from tests.ratings.test_anonymity import ballot_json
from tests.ratings.test_concurrency import answer
from tests.ratings.test_services import (
    ON_POSTGRES,
    add_dimensions,
    asked,
    close,
    person,
    publish,
    rate,
    start_round,
)

PER_DEPARTMENT = 20  # people in Sales and in Operations; each rates Finance, their own and the company


def interleave(*groups):
    return [member for members in zip(*groups, strict=True) for member in members]


def keys_for(finance) -> list[str]:
    return [f"d{finance.id}", "self", "company"]


def scores_for(dimensions: list[int], user_id: int, key: str) -> dict[int, int]:
    """A person's answer, recomputable from who they are and what they rated (0 is "can't judge")."""
    return {d: (user_id + j + len(key)) % 6 for j, d in enumerate(dimensions)}


def kind_of(key: str) -> str:
    return "service" if key.startswith("d") else key


@pytest.fixture
def world(app):
    """Finance serves Sales and Operations; a published round (Spring) and an open one (Autumn), k = 5."""
    add_dimensions(3)
    finance, sales, ops = (make_department("Finance", "FIN"), make_department("Sales", "SAL"),
                           make_department("Operations", "OPS"))
    link(finance, sales)
    link(finance, ops)
    facilitator = make_user(is_facilitator=True, password=None)
    # Alternating departments: any first third of their answers has k of every group.
    people = interleave([person(sales) for _ in range(PER_DEPARTMENT)],
                        [person(ops) for _ in range(PER_DEPARTMENT)])
    db.session.commit()
    spring, autumn = spring_published_autumn_open(facilitator, finance, [finance, sales, ops], people)
    return {"finance": finance, "facilitator": facilitator, "people": people, "spring": spring,
            "autumn": autumn, "dimensions": asked(autumn)}


def spring_published_autumn_open(facilitator, finance, departments, people):
    """Spring: the first 16 people answer for Finance, themselves and the company, with a comment;
    spring is closed and published. Autumn is open."""
    spring = start_round(facilitator, departments, name="Spring")
    dimensions = asked(spring)
    for i, rater in enumerate(people[:16]):
        for key in keys_for(finance):
            rate(rater, spring, key, scores_for(dimensions, rater.id, key), f"Spring comment {i}")
    close(facilitator, spring)
    publish(facilitator, spring)
    return spring, start_round(facilitator, departments, name="Autumn")


@pytest.fixture
def fresh_database(tmp_path):
    """Where to restore to: a new SQLite file, or a new PostgreSQL database beside the test one."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    url = sa.engine.make_url(TEST_DATABASE_URL)
    name = f"{url.database}_restored"
    server = sa.create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")

    def recreate(create: bool) -> None:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    recreate(True)
    yield url.set(database=name).render_as_string(hide_password=False)
    recreate(False)
    server.dispose()


@contextmanager
def on_database(uri: str, **settings):
    """Another app on another database, its context pushed over the test's."""
    other = create_app(app_config(uri, **settings))
    with other.app_context():
        try:
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def published(round_id: int) -> dict[str, dict]:
    """Everything the results pages export for a round: the company view, the service matrix and every
    department's scorecard with its comments, as the tables of its CSV files."""
    round_ = db.session.get(Round, round_id)
    shown = {"company": results.company_tables(results.company_view(round_)),
             "matrix": results.matrix_tables(results.service_matrix(round_, OVERALL))}
    for department in round_.departments:
        shown[department.name] = results.scorecard_tables(results.scorecard(round_, department, True))
    return shown


def snapshot() -> dict[str, list]:
    """Every row of every table, to show that a refused restore changed nothing."""
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
            for table in db.metadata.sorted_tables}


def backup_content(path) -> bytes:
    """What someone holding the backup can read: the SQLite file, or pg_dump's archive as SQL text."""
    if not ON_POSTGRES:
        return path.read_bytes()
    return subprocess.run(["pg_restore", "--file=-", str(path)], capture_output=True, check=True).stdout


def summed(model, column, round_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(column), 0))
                             .where(model.round_id == round_id))


def test_a_backup_taken_while_people_answer_restores_with_the_same_results(app, world, fresh_database,
                                                                          tmp_path):
    autumn_id, spring_id, dimensions = world["autumn"].id, world["spring"].id, world["dimensions"]
    facilitator_id = world["facilitator"].id
    plan = [(p.id, key) for p in world["people"] for key in keys_for(world["finance"])]
    a_third, errors = threading.Event(), []
    db.session.commit()  # no transaction of the test stays open under the load

    def load():
        with app.app_context():
            try:
                for n, (user_id, key) in enumerate(plan, start=1):
                    answer(user_id, autumn_id, key, scores_for(dimensions, user_id, key))
                    if n == len(plan) // 3:
                        a_third.set()
            except Exception as error:  # noqa: BLE001 (asserted on below)
                errors.append(error)
            finally:
                a_third.set()
                db.session.remove()

    submitting = threading.Thread(target=load)
    submitting.start()
    assert a_third.wait(timeout=120), "the load never got going"
    path = tmp_path / "under-load.backup"
    made = cli(app, "backup", str(path))  # while the thread keeps answering
    submitting.join(timeout=300)
    assert not submitting.is_alive() and errors == []
    assert made.exit_code == 0, made.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == len(plan)
    original = published(spring_id)
    db.session.commit()  # and none stays open on the original while the copy is read

    with on_database(fresh_database) as restored:
        done = cli(restored, "restore", "--yes", str(path))
        assert done.exit_code == 0, done.output
        assert published(spring_id) == original
        # The copy is one moment of the database: each answer in it is either waiting or folded, once.
        answered = db.session.execute(sa.select(Participation.user_id, Participation.target)
                                      .where(Participation.round_id == autumn_id)).all()
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(PendingBallot))
        assert len(plan) // 3 <= len(answered) <= len(plan)
        assert summed(BallotCount, BallotCount.ballots, autumn_id) + waiting == len(answered)
        # With the same SECRET_KEY the waiting ballots open: closing counts every answer in the copy.
        close(db.session.get(User, facilitator_id), db.session.get(Round, autumn_id))
        assert summed(BallotCount, BallotCount.ballots, autumn_id) == len(answered)
        expected = Counter((kind_of(key), d, s) for user_id, key in answered
                           for d, s in scores_for(dimensions, user_id, key).items())
        counted = Counter()
        for tally in db.session.scalars(sa.select(Tally).where(Tally.round_id == autumn_id)):
            counted[(tally.target_kind, tally.dimension_id, tally.score)] += tally.count
        assert counted == expected


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(app, world, tmp_path):
    notes = tmp_path / "notes.sqlite"
    notes.write_text("Meeting notes, not a database.\n")
    foreign = tmp_path / "other-app.sqlite"
    with sqlite3.connect(foreign) as other:
        other.execute("CREATE TABLE things (name TEXT)")
    before = snapshot()
    for path, reason in ((notes, "not a"), (foreign, "not a"), (tmp_path / "missing.sqlite", "no file")):
        refused = cli(app, "restore", "--yes", str(path))
        assert refused.exit_code == 1, refused.output
        assert reason in refused.output and "Traceback" not in refused.output
    assert snapshot() == before


def test_a_backup_never_replaces_a_file_and_restore_asks_first(app, world, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    path = folder / "nightly.backup"
    assert cli(app, "backup", str(path)).exit_code == 0
    assert path.stat().st_mode & 0o077 == 0  # it holds accounts: only its owner may read it
    assert sorted(p.name for p in folder.iterdir()) == ["nightly.backup"]  # no journal, no leftovers
    size = path.stat().st_size
    again = cli(app, "backup", str(path))
    assert again.exit_code == 1 and "already exists" in again.output and path.stat().st_size == size
    before = snapshot()
    declined = cli(app, "restore", str(path), input="n\n")
    assert declined.exit_code == 1 and "Stop the app first" in declined.output
    assert snapshot() == before


def test_a_backup_holds_waiting_ballots_only_sealed(app, world, tmp_path):
    """Answers wait in the buffer until closing: the backup has them, but only as ciphertext."""
    autumn, finance = world["autumn"], world["finance"]
    secrets_in_clear = []
    for i, rater in enumerate(world["people"][:4]):
        scores = scores_for(world["dimensions"], rater.id, f"d{finance.id}")
        rate(rater, autumn, f"d{finance.id}", scores, f"a waiting comment number {i}")
        secrets_in_clear += [ballot_json(scores).encode(), f"a waiting comment number {i}".encode()]
    sealed = list(db.session.scalars(sa.select(PendingBallot.sealed)))
    db.session.commit()  # as a request ends: the backup waits for open transactions on the answers' tables
    path = tmp_path / "open-round.backup"
    assert cli(app, "backup", str(path)).exit_code == 0
    content = backup_content(path)
    # They are in it (a sealed ballot is longer than a page holds: its start, at least, is on one page)…
    assert len(sealed) == 4 and all(s[:400].encode() in content for s in sealed)
    assert [s for s in secrets_in_clear if s in content] == []  # …and nothing of them readable
