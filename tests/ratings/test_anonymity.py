"""Proofs of the anonymity promise (PRODUCT.md §3, docs/ANONYMITY.md).

Each test plays an attacker who has what the promise says is not enough: the schema, a full dump of every
table in its physical order, the raw database files, system columns such as PostgreSQL's xmin and ctid,
the logs, or the published results, and checks that they cannot pair a person with what they said.
"""
import glob
import itertools
import json
import logging
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import current_app

from app.audit.models import AuditEntry
from app.extensions import db
from app.ratings import services
from app.ratings.models import (
    BallotCount,
    Comment,
    Completion,
    Participation,
    PendingBallot,
    Tally,
)
from app.ratings.sealing import BrokenSeal, unseal
from app.ratings.services import RatingError
from app.reports.gate import NotPublished, RoundResults
from tests.factories import PASSWORD, count, link, make_department, make_user, page_text
from tests.ratings.test_services import (
    ON_POSTGRES,
    add_dimensions,
    asked,
    close,
    group_of,
    person,
    publish,
    rate,
    same_scores,
    start_round,
)

ANONYMOUS_TABLES = ("pending_ballots", "tallies", "ballot_counts", "comments", "promise_counts")
PERSON_TABLES = ("participations", "completions")
# Words that would name a person, a moment or an order, as parts of a column name ("created_at", "user_id").
PERSON_OR_TIME = {"user", "users", "author", "person", "people", "voter", "email", "name", "session",
                  "ip", "created", "updated", "submitted", "time", "timestamp", "ts", "date", "at", "when",
                  "seq", "sequence", "serial", "order", "position", "rank", "counter", "nonce"}
SCORE_OR_TIME = {"score", "scores", "comment", "text", "value", "mean", "sum", "created", "updated",
                 "submitted", "time", "timestamp", "ts", "date", "at", "when", "seq", "order", "position"}
RANDOM_KEY = re.compile(r"^[0-9a-f]{32}$")

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite storage (the suite runs again on PostgreSQL)")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only (set TEST_DATABASE_URL)")


def words(column: str) -> set[str]:
    return set(column.lower().split("_"))


def ballot_json(scores: dict) -> str:
    """A person's scores as JSON, in the form the sealed ballot holds them."""
    return json.dumps({str(k): v for k, v in sorted(scores.items(), key=lambda item: int(item[0]))})


def database_files() -> bytes:
    """Every byte an attacker with the server's disk gets: the SQLite file, its WAL and shared memory."""
    path = db.engine.url.database
    return b"".join(open(name, "rb").read() for name in sorted(glob.glob(f"{path}*")))


# (a) The schema ----------------------------------------------------------------------------------

def columns(table: str) -> list[dict]:
    return sa.inspect(db.engine).get_columns(table)


@pytest.mark.parametrize("table", ANONYMOUS_TABLES)
def test_the_anonymous_tables_have_no_column_naming_a_person_or_a_time(app, table):
    found = columns(table)
    assert found
    for column in found:
        assert not words(column["name"]) & PERSON_OR_TIME, f"{table}.{column['name']}"
        assert not isinstance(column["type"], sa.Date | sa.DateTime | sa.Time | sa.Interval), column["name"]
        # No column fills itself in: no sequence, clock or counter behind an insert.
        assert column.get("default") is None, f"{table}.{column['name']} defaults to {column['default']}"
        assert not column.get("identity"), f"{table}.{column['name']} is an identity column"


@pytest.mark.parametrize("table", ANONYMOUS_TABLES)
def test_the_anonymous_tables_refer_to_no_person(app, table):
    referred = {fk["referred_table"] for fk in sa.inspect(db.engine).get_foreign_keys(table)}
    # A promise (app.agreements) is what the department's head wrote, never who answered about it.
    assert referred <= {"rounds", "departments", "dimensions", "promises"}


@pytest.mark.parametrize("table", PERSON_TABLES)
def test_the_records_about_people_hold_no_score_and_no_time(app, table):
    for column in columns(table):
        assert not words(column["name"]) & SCORE_OR_TIME, f"{table}.{column['name']}"
        assert not isinstance(column["type"], sa.Date | sa.DateTime | sa.Time | sa.Interval)
        assert column.get("default") is None
    referred = {fk["referred_table"] for fk in sa.inspect(db.engine).get_foreign_keys(table)}
    assert referred <= {"rounds", "users", "departments"}


def test_no_trigger_copies_what_is_written_to_these_tables(app):
    tables = ANONYMOUS_TABLES + PERSON_TABLES
    if ON_POSTGRES:
        triggers = db.session.scalars(sa.text(
            "SELECT event_object_table FROM information_schema.triggers")).all()
    else:
        triggers = db.session.scalars(sa.text(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")).all()
    assert not set(triggers) & set(tables)


@sqlite_only
@pytest.mark.parametrize("table", ANONYMOUS_TABLES + PERSON_TABLES)
def test_on_sqlite_these_tables_have_no_rowid_so_no_insertion_order(app, table):
    with pytest.raises(sa.exc.OperationalError, match="rowid"):
        db.session.execute(sa.text(f"SELECT rowid FROM {table}"))
    db.session.rollback()


@sqlite_only
def test_on_sqlite_deleted_rows_are_overwritten(app):
    assert db.session.scalar(sa.text("PRAGMA secure_delete")) == 1


# (b) Before the fold -----------------------------------------------------------------------------

@pytest.fixture
def company(app):
    """Finance serves Sales; eight sellers, two accountants; three dimensions; an open round, k = 5."""
    add_dimensions(3)
    finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
    link(finance, sales)
    facilitator = make_user("fac@example.com", is_facilitator=True, password=None)
    sellers = [person(sales) for _ in range(8)]
    accountants = [person(finance) for _ in range(2)]
    db.session.commit()
    round_ = start_round(facilitator, [finance, sales])
    return {"finance": finance, "sales": sales, "facilitator": facilitator, "sellers": sellers,
            "accountants": accountants, "round": round_}


def test_a_waiting_ballot_shares_no_column_with_the_record_that_its_author_is_done(app):
    ballot = {c["name"] for c in columns("pending_ballots")}
    done = {c["name"] for c in columns("participations")}
    assert ballot & done == {"round_id"}
    # Whose department, what was rated and how: all of it is inside the sealed text.
    assert ballot == {"id", "round_id", "sealed"}


def test_waiting_ballots_show_only_their_round_and_one_size_of_sealed_text(company):
    round_, finance = company["round"], company["finance"]
    sellers = company["sellers"]
    for seller in sellers[:3]:
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 3))
    rate(sellers[3], round_, f"d{finance.id}", same_scores(round_, 1), "a short comment")
    rate(sellers[4], round_, "self", same_scores(round_, 5))
    services.skip(sellers[5], round_, services.find_target(sellers[5], round_, f"d{finance.id}"))
    db.session.commit()
    rows = db.session.execute(sa.select(PendingBallot.__table__)).all()
    assert len(rows) == 6
    assert {row.round_id for row in rows} == {round_.id}
    # A rating, a comment, a self-assessment and a skip: sealed to one size, each with its own nonce.
    assert len({len(row.sealed) for row in rows}) == 1 and len({row.sealed for row in rows}) == 6
    assert all(RANDOM_KEY.match(row.id) for row in rows) and len({row.id for row in rows}) == 6
    assert [unseal(row.sealed).get("skip", False) for row in rows].count(True) == 1


@sqlite_only
def test_on_sqlite_the_buffer_is_read_back_in_an_order_unrelated_to_submission(company):
    """Eight people submit, in six rounds: the order an attacker reads the buffer in is a random one."""
    finance, facilitator, sales = company["finance"], company["facilitator"], company["sales"]
    sellers = company["sellers"]
    same_as_submission = 0
    for trial in range(6):
        round_ = start_round(facilitator, [finance, sales], k=10, name=f"Trial {trial}")
        submitted = []
        for i, seller in enumerate(sellers):
            scores = dict(zip(asked(round_), (1 + i % 5, 1 + i // 5, 3), strict=True))
            rate(seller, round_, f"d{finance.id}", scores)
            submitted.append(ballot_json(scores))
        physical = [ballot_json(unseal(s)["scores"]) for s in db.session.scalars(sa.text(  # the file's order
            f"SELECT sealed FROM pending_ballots WHERE round_id = {round_.id}")).all()]
        assert sorted(physical) == sorted(submitted)
        same_as_submission += physical == submitted
    assert same_as_submission <= 1  # a random order of 8 matches by chance once in 40,320


def nearest(xid: int, done: dict[int, int]) -> int:
    """The user whose participation was written by the transaction closest to `xid` (the participation is
    written in a savepoint, a subtransaction with an xid of its own next to its parent's)."""
    return done[min(done, key=lambda x: abs(x - xid))]


@postgres_only
def test_on_postgres_a_waiting_ballot_is_linkable_through_xmin_only_until_closing(company):
    """The limit docs/ANONYMITY.md states: someone watching the live database with SECRET_KEY can link a
    ballot while it waits (it was written in the same transaction as its author's done note); closing
    ends that: the counters are written by one transaction, and the notes and ballots are gone."""
    round_, finance = company["round"], company["finance"]
    sellers = company["sellers"][:5]
    for i, seller in enumerate(sellers):
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 1 + i))
    ballots = db.session.execute(sa.text("SELECT xmin::text::bigint, sealed FROM pending_ballots")).all()
    done = dict(db.session.execute(sa.text(
        "SELECT xmin::text::bigint, user_id FROM participations")).all())
    linked = {nearest(x, done): unseal(sealed)["scores"][str(asked(round_)[0])] for x, sealed in ballots}
    assert linked == {s.id: 1 + i for i, s in enumerate(sellers)}  # the limit is real
    close(company["facilitator"], round_)
    assert count(PendingBallot) == 0 and count(Participation) == 0
    counter_xmins = set(db.session.scalars(sa.text("SELECT xmin::text::bigint FROM tallies")))
    assert len(counter_xmins) == 1 and min(counter_xmins) > max(done)


# (c) The linkage attack --------------------------------------------------------------------------

@dataclass
class Ballot:
    user_id: int
    department_id: int
    key: str
    kind: str
    target_department_id: int
    scores: dict
    comment: str | None


def everyone_rates(k: int = 5, per_department: int = 10, n_departments: int = 3, seed: int = 7,
                   padding: str = ""):
    """Departments serving each other; everyone rates their whole list with a score vector of their own
    and, on departments, a comment of their own, in a random order. Returns the round and the truth."""
    rng = random.Random(seed)
    dimensions = add_dimensions(6)
    departments = [make_department() for _ in range(n_departments)]
    for provider, client in itertools.permutations(departments, 2):
        link(provider, client)
    facilitator = make_user(is_facilitator=True, password=None)
    people = [person(d) for d in departments for _ in range(per_department)]
    db.session.commit()
    round_ = start_round(facilitator, departments, k=k)
    todo = [(p, t) for p in people for t in services.targets_for(p, round_)]
    rng.shuffle(todo)
    vectors = rng.sample(list(itertools.product(range(6), repeat=len(dimensions))), len(todo))
    truth = []
    for (who, target), vector in zip(todo, vectors, strict=True):
        scores = dict(zip(asked(round_), vector, strict=True))
        comment = f"note-{rng.getrandbits(64):016x}{padding}" if target.kind == "service" else None
        rate(who, round_, target.key, scores, comment or "")
        _rater, kind, rated = group_of(who, target)
        truth.append(Ballot(who.id, who.department_id, target.key, kind, rated, scores, comment))
    return {"round": round_, "facilitator": facilitator, "people": people, "departments": departments,
            "truth": truth, "k": k}


def dump() -> dict[str, list[dict]]:
    """Every row of every table, in the order the database hands them out without ORDER BY, with the
    rowid where a SQLite table has one, and xmin and ctid on PostgreSQL."""
    tables = {}
    for table in db.metadata.sorted_tables:
        name = table.name
        if ON_POSTGRES:
            query = f"SELECT xmin::text::bigint AS xmin_, ctid::text AS ctid_, * FROM {name}"
        else:
            try:
                db.session.execute(sa.text(f"SELECT rowid FROM {name} LIMIT 1"))
                query = f"SELECT rowid AS rowid_, * FROM {name}"
            except sa.exc.OperationalError:
                db.session.rollback()
                query = f"SELECT * FROM {name}"
        tables[name] = [dict(row._mapping) for row in db.session.execute(sa.text(query))]
    db.session.commit()
    return tables


def ctid(row) -> tuple[int, int]:
    page, item = row["ctid_"].strip("()").split(",")
    return int(page), int(item)


def pairing_strategies(tables, departments_of) -> dict[str, dict[tuple[int, str], str]]:
    """Every way we could think of to pair a (person, department) with a released comment.

    Each strategy returns {(user id, target key): comment text it guesses is theirs}.
    """
    done = [r for r in tables["participations"] if r["target"].startswith("d")]
    comments = tables["comments"]
    by_target = defaultdict(list)
    for row in done:
        by_target[row["target"]].append(row)
    notes = defaultdict(list)
    for row in comments:
        notes[f"d{row['target_department_id']}"].append(row)

    def zipped(order_done, order_notes):
        guess = {}
        for key, rows in by_target.items():
            for p, c in zip(sorted(rows, key=order_done), sorted(notes[key], key=order_notes), strict=False):
                guess[(p["user_id"], key)] = c["text"]
        return guess

    position = {id(r): i for i, r in enumerate(done)}
    note_position = {id(r): i for i, r in enumerate(comments)}
    strategies = {
        "physical order": zipped(lambda r: position[id(r)], lambda c: note_position[id(c)]),
        "reversed physical order": zipped(lambda r: -position[id(r)], lambda c: note_position[id(c)]),
        "user id against comment key": zipped(lambda r: r["user_id"], lambda c: c["id"]),
        "user id against text": zipped(lambda r: r["user_id"], lambda c: c["text"]),
    }
    if not ON_POSTGRES:
        return strategies
    strategies["xmin order against comment xmin, ctid"] = zipped(
        lambda r: r["xmin_"], lambda c: (c["xmin_"], ctid(c)))
    strategies["ctid against ctid"] = zipped(ctid, ctid)
    # Nearest preceding transaction: the participation written just before the comment's transaction.
    preceding = {}
    for key, rows in by_target.items():
        free = sorted(rows, key=lambda r: r["xmin_"])
        for c in sorted(notes[key], key=lambda c: (c["xmin_"], ctid(c))):
            before = [r for r in free if r["xmin_"] < c["xmin_"]]
            if before:
                chosen = before[-1]
                free.remove(chosen)
                preceding[(chosen["user_id"], key)] = c["text"]
    strategies["nearest preceding xmin"] = preceding
    # The batch: the fold's comments share one xmin; the department whose unpaired participations written
    # before it match their number is the batch. Within it, pair by xmin order against ctid order.
    batch = {}
    for key, rows in by_target.items():
        free = list(rows)
        folds = defaultdict(list)
        for c in notes[key]:
            folds[c["xmin_"]].append(c)
        for fold_xmin in sorted(folds):
            texts = sorted(folds[fold_xmin], key=ctid)
            before = defaultdict(list)
            for r in free:
                if r["xmin_"] < fold_xmin:
                    before[departments_of[r["user_id"]]].append(r)
            candidates = min(before.values(), key=lambda rs: abs(len(rs) - len(texts)), default=[])
            for r, c in zip(sorted(candidates, key=lambda r: r["xmin_"]), texts, strict=False):
                batch[(r["user_id"], key)] = c["text"]
                free.remove(r)
    strategies["batch by xmin, then rank"] = batch
    return strategies


def score_strategies(tables, truth) -> dict[str, dict[tuple[int, str], dict]]:
    """Ways to guess a person's whole score vector from the counters' system columns (PostgreSQL)."""
    if not ON_POSTGRES:
        return {}
    done = {(r["user_id"], r["target"]): r["xmin_"] for r in tables["participations"]}
    rows = defaultdict(list)
    for t in tables["tallies"]:
        rows[(t["rater_department_id"], t["target_kind"], t["target_department_id"])].append(t)
    guesses = {}
    for ballot in truth:
        group = rows[(ballot.department_id, ballot.kind, ballot.target_department_id)]
        written = done[(ballot.user_id, ballot.key)]
        later = sorted({t["xmin_"] for t in group if t["xmin_"] > written})
        if not later:
            continue
        touched = [t for t in group if t["xmin_"] == later[0]]
        vector = {}
        for t in sorted(touched, key=lambda t: (t["count"], t["score"])):
            vector.setdefault(t["dimension_id"], t["score"])  # the rarest answer first
        guesses[(ballot.user_id, ballot.key)] = vector
    return {"the first fold after the ballot": guesses}


def chance_bound(n: int, k: int) -> int:
    """Generous: guessing at random among k gives n/k right on average; allow four deviations more."""
    expected = n / k
    return math.floor(expected + 4 * math.sqrt(expected) + 2)


def test_an_attacker_with_full_dumps_before_and_after_closing_does_no_better_than_chance(app):
    world = everyone_rates()
    truth, k = world["truth"], world["k"]
    before = dump()  # the done notes, with their system columns, while the round is open
    close(world["facilitator"], world["round"])
    tables = {**dump(), "participations": before["participations"]}
    departments_of = {u["id"]: u["department_id"] for u in tables["users"]}
    authors = {(b.user_id, b.key): b.comment for b in truth if b.comment}
    assert len(authors) == 60 and len(tables["comments"]) == 60
    bound = chance_bound(len(authors), k)
    results = {}
    for name, guess in pairing_strategies(tables, departments_of).items():
        results[name] = sum(1 for pair, text in guess.items() if authors.get(pair) == text)
    assert all(n <= bound for n in results.values()), (results, bound)
    vectors = {(b.user_id, b.key): b.scores for b in truth}
    for name, guess in score_strategies(tables, truth).items():
        right = sum(1 for pair, vector in guess.items() if vectors[pair] == vector)
        assert right <= chance_bound(len(vectors), k), (name, right)
    # No row of any table carries a whole ballot, and no comment sits anywhere but in `comments`.
    whole = {ballot_json(b.scores) for b in truth}
    texts = {b.comment for b in truth if b.comment}
    for name, rows in tables.items():
        values = {v for row in rows for v in row.values() if isinstance(v, str)}
        assert not values & whole, name
        if name != "comments":
            assert not values & texts, name


@sqlite_only
def test_before_and_after_closing_the_database_files_hold_none_of_the_ballots(app):
    world = everyone_rates(padding=" and more" * 150)  # long rows spill onto overflow pages
    files = database_files()
    whole = [ballot_json(b.scores).encode() for b in world["truth"]]
    comments = [b.comment[:21].encode() for b in world["truth"] if b.comment]
    assert [w for w in whole + comments if w in files] == []  # all sealed while the round is open
    close(world["facilitator"], world["round"])
    files = database_files()
    assert [w for w in whole if w in files] == []
    assert all(c in files for c in comments)  # released, in the comments table


@sqlite_only
def test_a_waiting_ballot_is_sealed_in_the_files_too(company):
    """While the round is open, ballots are not in the database files in the clear: the buffer holds them
    sealed (and, as the test above shows, nothing of them is left after closing)."""
    round_, finance = company["round"], company["finance"]
    waiting = []
    for i, seller in enumerate(company["sellers"][:4]):
        scores = dict(zip(asked(round_), (i + 1, 5 - i, 3), strict=True))
        rate(seller, round_, f"d{finance.id}", scores, f"waiting comment {i}")
        waiting.append(ballot_json(scores).encode())
        waiting.append(f"waiting comment {i}".encode())
    assert len([unseal(s) for s in db.session.scalars(sa.select(PendingBallot.sealed))]) == 4
    files = database_files()
    assert [w for w in waiting if w in files] == []
    rate(company["sellers"][4], round_, f"d{finance.id}", same_scores(round_, 2))
    close(company["facilitator"], round_)
    files = database_files()  # the comments are now released (in the comments table); ballots gone
    assert count(PendingBallot) == 0 and not any(w in files for w in waiting if b"comment" not in w)


# Small groups after closing ----------------------------------------------------------------------

def test_after_closing_a_lone_rater_in_a_large_department_cannot_be_read_from_the_counters(company):
    round_, facilitator, finance = company["round"], company["facilitator"], company["finance"]
    sellers, accountants = company["sellers"], company["accountants"]
    erin = sellers[0]
    mine = dict(zip(asked(round_), (1, 4, 2), strict=True))
    rate(erin, round_, f"d{finance.id}", mine)  # the only one of eight sellers who answers at all
    for accountant in accountants:
        rate(accountant, round_, "self", same_scores(round_, 5))
    close(facilitator, round_)
    # The attacker has a dump taken after the close (or a backup): who took part, and the counters.
    took_part = defaultdict(list)
    for c in db.session.scalars(sa.select(Completion).where(Completion.done > 0)):
        took_part[c.department_id].append(c.user_id)
    recovered = {}
    for group in db.session.scalars(sa.select(BallotCount).where(BallotCount.ballots == 1)):
        if len(took_part[group.rater_department_id]) == 1:
            vector = {t.dimension_id: t.score for t in db.session.scalars(sa.select(Tally).where(
                Tally.round_id == round_.id, Tally.rater_department_id == group.rater_department_id,
                Tally.target_kind == group.target_kind,
                Tally.target_department_id == group.target_department_id))}
            recovered[took_part[group.rater_department_id][0]] = vector
    assert recovered.get(erin.id) != mine


# (d) Logs ----------------------------------------------------------------------------------------

def submit_traceably(company, caplog, level, logger=None):
    round_, finance, seller = company["round"], company["finance"], company["sellers"][0]
    scores = dict(zip(asked(round_), (5, 1, 4), strict=True))
    comment = "the invoices desk ignored me for weeks zqxj"
    db.session.commit()  # the submission starts a transaction of its own, as in a request
    with caplog.at_level(level, logger=logger):
        rate(seller, round_, f"d{finance.id}", scores, comment)
    return ballot_json(scores), comment


def test_a_submission_logs_nothing_of_its_content_even_at_debug_level(company, caplog):
    scores, comment = submit_traceably(company, caplog, logging.DEBUG)
    assert comment not in caplog.text and scores not in caplog.text


def test_even_sql_statement_logging_shows_no_ballot(company, caplog):
    """SQL logging on (SQLALCHEMY_ECHO, or the sqlalchemy.engine logger at INFO, as one does to find a slow
    page) would otherwise log the ballot beside the participation's user id, in one transaction."""
    scores, comment = submit_traceably(company, caplog, logging.INFO, logger="sqlalchemy.engine")
    assert "INSERT INTO pending_ballots" in caplog.text  # the statements are logged, and that is fine
    assert comment not in caplog.text and scores not in caplog.text


def test_a_database_error_during_a_submission_carries_no_ballot_into_the_error_log(company):
    """The error handler logs unexpected errors; a database error's message must not carry the ballot.
    A second tab's copy of an answer fails in the database (the done note exists); any database error at
    that point takes the same path. PostgreSQL's message quotes the failing row: the parameters are
    hidden, and the ballot is sealed before any write."""
    round_, seller, finance = company["round"], company["sellers"][0], company["finance"]
    comment = "my secret opinion of the invoices desk"
    scores = same_scores(round_, 2)
    stale = services.find_target(seller, round_, f"d{finance.id}")
    rate(seller, round_, f"d{finance.id}", same_scores(round_, 4))
    with pytest.raises(RatingError) as error:
        services.submit(seller, round_, stale, scores, comment)
    db.session.rollback()
    cause = error.value.__cause__ or error.value.__context__
    assert isinstance(cause, sa.exc.IntegrityError)
    for message in (str(error.value), str(cause)):
        assert comment not in message and ballot_json(scores) not in message


def test_rating_writes_nothing_to_the_audit_log(company):
    round_, finance = company["round"], company["finance"]
    before = count(AuditEntry)
    for seller in company["sellers"][:5]:
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 4), "fine")
    services.skip(company["sellers"][5], round_,
                  services.find_target(company["sellers"][5], round_, f"d{finance.id}"))
    db.session.commit()
    assert count(AuditEntry) == before


def rate_through_the_page(client, company, comment):
    round_, finance = company["round"], company["finance"]
    seller = make_user(department=company["sales"])  # one who can sign in
    db.session.commit()
    assert client.sign_in(seller.email, PASSWORD).status_code == 303
    scores = dict(zip(asked(round_), (5, 1, 0), strict=True))
    data = {f"d{dimension_id}": str(value) for dimension_id, value in scores.items()}
    return client.post(f"/rounds/{round_.id}/rate/d{finance.id}", data={**data, "comment": comment}), scores


def test_rating_through_the_page_logs_nothing_of_the_answer(client, company, caplog):
    comment = "the invoices desk ignored me for weeks zqxj"
    with caplog.at_level(logging.DEBUG):
        response, scores = rate_through_the_page(client, company, comment)
    assert response.status_code == 303
    assert count(Participation) == 1 and count(PendingBallot) == 1  # the answer was taken
    assert comment not in caplog.text and ballot_json(scores) not in caplog.text


def test_a_comment_the_database_cannot_store_is_refused_and_leaves_no_ballot_in_the_log(client, company,
                                                                                       caplog):
    comment = "bad\x00byte from the invoices desk"
    with caplog.at_level(logging.INFO):
        response, scores = rate_through_the_page(client, company, comment)
    assert response.status_code == 200 and "cannot be stored" in page_text(response)  # the form, again
    assert count(Participation) == 0 and count(PendingBallot) == 0
    assert "invoices desk" not in caplog.text and ballot_json(scores) not in caplog.text


# (e) Comments ------------------------------------------------------------------------------------

def test_released_comments_come_out_in_an_order_unrelated_to_submission(company):
    finance, sales, facilitator = company["finance"], company["sales"], company["facilitator"]
    same_as_submission = 0
    for trial in range(4):
        round_ = start_round(facilitator, [finance, sales], name=f"Trial {trial}")
        submitted = []
        for i, seller in enumerate(company["sellers"]):
            submitted.append(f"trial {trial} comment {i}")
            rate(seller, round_, f"d{finance.id}", same_scores(round_, 3), submitted[-1])
        close(facilitator, round_)
        publish(facilitator, round_)
        released = RoundResults(round_).comments(finance.id)
        assert sorted(released) == sorted(submitted)
        same_as_submission += released == submitted
    assert same_as_submission <= 1


def test_comments_are_stored_and_released_without_author(company):
    round_, finance, facilitator = company["round"], company["finance"], company["facilitator"]
    for seller in company["sellers"][:5]:
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 3), f"from {seller.id}?")
    # reply_key: the hash of a random code only its author holds (tests/replies/test_anonymity.py)
    assert {c["name"] for c in columns("comments")} == {"id", "round_id", "target_department_id", "text",
                                                        "reply_key"}
    assert all(RANDOM_KEY.match(key) for key in db.session.scalars(sa.select(Comment.id)))
    close(facilitator, round_)
    publish(facilitator, round_)
    released = RoundResults(round_).comments(finance.id)
    assert len(released) == 5 and all(isinstance(text, str) for text in released)


@pytest.mark.parametrize("state", ["open", "closed"])
def test_nothing_is_released_before_publishing(company, state):
    round_, finance = company["round"], company["finance"]
    for seller in company["sellers"][:6]:
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 3), "early")
    if state == "closed":
        close(company["facilitator"], round_)
    with pytest.raises(NotPublished):
        RoundResults(round_)


def test_comments_on_a_department_rated_by_fewer_than_k_are_not_released(company):
    round_, finance, facilitator = company["round"], company["finance"], company["facilitator"]
    for seller in company["sellers"][:4]:
        rate(seller, round_, f"d{finance.id}", same_scores(round_, 3), "only four of us")
    close(facilitator, round_)
    publish(facilitator, round_)
    results = RoundResults(round_)
    assert results.comments(finance.id) == []
    assert results.respondents("service", finance.id) is None


def test_skipping_and_rating_leave_the_same_trace_on_the_person(company):
    """A participation says only 'done': whoever reads it cannot tell a skip from an answer. Its note (which
    lets the person undo a skip) is sealed, of one size, and opens only with the server's key."""
    round_, finance = company["round"], company["finance"]
    rater, skipper = company["sellers"][:2]
    rate(rater, round_, f"d{finance.id}", same_scores(round_, 2))
    services.skip(skipper, round_, services.find_target(skipper, round_, f"d{finance.id}"))
    db.session.commit()
    rows = {r.user_id: (r.round_id, r.target, len(r.note))
            for r in db.session.scalars(sa.select(Participation))}
    assert rows[rater.id] == rows[skipper.id]
    assert len({len(sealed) for sealed in db.session.scalars(sa.select(PendingBallot.sealed))}) == 1
    notes = db.session.scalars(sa.select(Participation.note)).all()
    current_app.config["SECRET_KEY"] = "what a database administrator would have to guess"
    for note in notes:
        with pytest.raises(BrokenSeal):
            unseal(note)


def test_a_refused_submission_leaves_no_trace(company):
    round_, finance, seller = company["round"], company["finance"], company["sellers"][0]
    target = services.find_target(seller, round_, f"d{finance.id}")
    with pytest.raises(RatingError):
        services.submit(seller, round_, target, {**same_scores(round_, 3), asked(round_)[0]: 9}, "secret")
    db.session.rollback()
    assert count(Participation) == 0 and count(PendingBallot) == 0


def test_counters_are_kept_per_department_and_never_per_person(company):
    """Six sellers with six different answers leave counts of score values, not six rows of answers."""
    round_, finance = company["round"], company["finance"]
    first = asked(round_)[0]
    answers = [1, 2, 2, 4, 5, 0]
    for seller, value in zip(company["sellers"], answers, strict=False):
        rate(seller, round_, f"d{finance.id}", {**same_scores(round_, 3), first: value})
    close(company["facilitator"], round_)
    tallies = db.session.scalars(sa.select(Tally).where(Tally.dimension_id == first))
    tally = {t.score: t.count for t in tallies}
    assert tally == dict(Counter(answers))
    assert {(c.rater_department_id, c.ballots) for c in db.session.scalars(sa.select(BallotCount))} == {
        (company["sales"].id, 6)}
