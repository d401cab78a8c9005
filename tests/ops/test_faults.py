"""Faults: gunicorn killed with kill -9 (master and workers at once) while people answer, while a round
closes and while people are imported, on a SQLite file and on PostgreSQL; and PostgreSQL stopped and started
again under load, under the same gunicorn processes. After each, every acknowledged write is there exactly
once, nothing is half-written, and the app answers as before.

PostgreSQL is a cluster of the tests' own (initdb into a temporary directory, as the postgres OS user when
run as root, on a free port, stopped and deleted at the end): the shared server on 5432 is never touched.
They need gunicorn, initdb and pg_ctl (/usr/lib/postgresql/*/bin), run only when asked for
(`pytest -m faults`, as .ci/run does) and skip with the reason when something is missing, unless
REQUIRE_FAULTS=1, which turns a skip into a failure.

The servers run in development mode so that closing publishes exact counts (RESULT_NOISE_SCALE=0, which
production refuses): the tallies are then compared with the answers, number for number.
"""
import os
import re
import secrets
import select
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.ratings.models import BallotCount, Completion, PendingBallot, Round
from tests.conftest import migrate_to_head
from tests.factories import link, make_department, make_user
from tests.ops.servers import (
    BIN,
    Browser,
    Server,
    answers,
    asked_for,
    counted_tallies,
    expected_tallies,
    free_port,
    kept_environment,
    participations,
    start_gunicorn,
    unavailable,
)
from tests.ops.test_backup import interleave, keys_for, on_database, scores_for, summed
from tests.ratings.test_services import add_dimensions, asked, close, rate, start_round

pytestmark = pytest.mark.faults

REQUIRE = "REQUIRE_FAULTS"
PER_DEPARTMENT = 8  # people in Sales and in Operations
ANSWERING = 10  # of them, those who answer Autumn while the server is killed: 5 a department, the k of 5
IMPORTED = 150  # rows of each imported people file
SECONDS = 60  # the most any awaited condition may take
FACILITATOR, ADMIN = "facilitator@faults.example", "admin@faults.example"
DOWN = "cannot reach its database"  # the 503 page's words (app.web.errors)


def postgres_programs() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian keeps initdb and pg_ctl out of PATH)."""
    found = sorted((path for path in Path("/usr/lib/postgresql").glob("*/bin") if path.parent.name.isdigit()),
                   key=lambda path: int(path.parent.name))
    return found[-1] if found and all((found[-1] / p).exists() for p in ("initdb", "pg_ctl")) else None


def check_asked_for(config) -> None:
    if not asked_for(config, "faults", REQUIRE):
        pytest.skip("kills servers and restarts a PostgreSQL of its own: run `pytest -m faults`")
    if not (BIN / "gunicorn").exists():
        unavailable("missing program: gunicorn", REQUIRE)


# PostgreSQL of the tests' own ---------------------------------------------------------------------

class PrivateCluster:
    """A PostgreSQL cluster in a temporary directory on a free port, run as the postgres OS user when the
    tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self, programs: Path):
        self.programs, self.port = programs, free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.home = Path(tempfile.mkdtemp(prefix="tz-faults-"))  # not under pytest's root-only directory
        if self.as_postgres:
            shutil.chown(self.home, "postgres")
        self.data = self.home / "data"

    def run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, str(self.programs / program), *args],
                              capture_output=True, text=True, timeout=SECONDS)
        assert done.returncode == 0, f"{program} {' '.join(args)}: {done.stdout}{done.stderr}"

    def create(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.home / "server.log"), "-w", "-o",
                 f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.home}", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5)

    def create_database(self, name: str) -> str:
        with closing(self.connect()) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres(request):
    check_asked_for(request.config)
    programs = postgres_programs()
    if programs is None:
        unavailable("initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin)", REQUIRE)
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("runuser is missing: PostgreSQL cannot be started as the postgres user", REQUIRE)
    cluster = PrivateCluster(programs)
    try:
        cluster.create()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop("immediate")
        cluster.remove()


# The company, its server, and where to kill it ----------------------------------------------------

def seed(url: str, key: str) -> dict:
    """Finance serves Sales and Operations. Autumn is open and unanswered; everyone has answered Winter's
    whole list (waiting ballots, to be counted at closing). Returns the ids the tests need."""
    migrate_to_head(url)  # the schema by the app's own migrations, as `flask db upgrade` builds it
    with on_database(url, SECRET_KEY=key):
        add_dimensions(3)
        finance, sales, ops = (make_department("Finance", "FIN"), make_department("Sales", "SAL"),
                               make_department("Operations", "OPS"))
        link(finance, sales)
        link(finance, ops)
        facilitator = make_user(FACILITATOR, is_facilitator=True)
        make_user(ADMIN, is_admin=True)
        people = interleave(
            [make_user(f"sales{i}@faults.example", department=sales) for i in range(PER_DEPARTMENT)],
            [make_user(f"ops{i}@faults.example", department=ops) for i in range(PER_DEPARTMENT)])
        departments = [finance, sales, ops]
        autumn = start_round(facilitator, departments, name="Autumn")
        winter = start_round(facilitator, departments, name="Winter")
        dimensions, keys = asked(winter), keys_for(finance)
        for person in people:
            for target in keys:
                rate(person, winter, target, scores_for(dimensions, person.id, target))
        return {"people": [(p.id, p.email) for p in people], "keys": keys, "dimensions": dimensions,
                "autumn": autumn.id, "winter": winter.id}


def environment(key: str, url: str) -> dict:
    return {**kept_environment(), "TZ_ENV": "development", "SECRET_KEY": key, "DATABASE_URL": url,
            "BASE_URL": "http://127.0.0.1", "RESULT_NOISE_SCALE": "0", "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1"}


@dataclass
class Site:
    """The app on one database; its server is killed and started again by the tests."""

    key: str
    url: str
    log: Path
    postgres: PrivateCluster | None
    ids: dict = field(default_factory=dict)
    server: Server | None = None

    def start(self) -> None:
        self.server = start_gunicorn(environment(self.key, self.url), self.log)
        self.server.wait_until_answering()

    def database(self):
        """An app context on the site's database, with the server's SECRET_KEY."""
        return on_database(self.url, SECRET_KEY=self.key)

    @contextmanager
    def probes(self):
        """Two questions to the database, asked from outside the app while a request runs: is a write
        transaction open (on SQLite a writer holds the write lock, so our BEGIN IMMEDIATE fails at once; on
        PostgreSQL a backend of the app has a transaction id: it has locked or written a row), and how many
        rows a count finds (what is committed)."""
        if self.postgres is None:
            with closing(sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=0,
                                         isolation_level=None)) as probe:
                def writing() -> bool:
                    try:
                        probe.execute("BEGIN IMMEDIATE")
                    except sqlite3.OperationalError:  # "database is locked"
                        return True
                    probe.execute("ROLLBACK")
                    return False
                yield writing, lambda sql: probe.execute(sql).fetchone()[0]
            return
        with closing(psycopg.connect(self.url, autocommit=True, connect_timeout=5)) as probe:
            yield (lambda: probe.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT "
                                         "NULL AND datname = current_database()").fetchone()[0] > 0,
                   lambda sql: probe.execute(sql).fetchone()[0])

    def kill_and_start(self) -> None:
        self.server.kill()
        if self.postgres is not None:
            # The killed workers' backends end when they next read their socket: a COMMIT already sent
            # still finishes, then. Look at the database once they are gone, so it can no longer change.
            name = urlsplit(self.url).path.lstrip("/")
            with closing(self.postgres.connect()) as probe:
                until(lambda: probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                            (name,)).fetchone()[0] == 0,
                      "the killed server's connections end")
        self.start()


def until(condition, what: str) -> None:
    """Wait for a condition, asking again and again, for at most SECONDS."""
    deadline = time.monotonic() + SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"waited {SECONDS} s for: {what}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    check_asked_for(request.config)
    work = tmp_path_factory.mktemp(f"faults-{request.param}")
    if request.param == "sqlite":
        postgres, url = None, f"sqlite:///{work / 'faults.sqlite'}"
    else:
        postgres = request.getfixturevalue("private_postgres")
        url = postgres.create_database("faults")
    key = secrets.token_urlsafe(48)
    site = Site(key, url, work / "gunicorn.log", postgres, seed(url, key))
    site.start()
    yield site
    site.server.kill()  # its database is thrown away: no need to wait for a graceful stop


def send_unanswered(browser: Browser, url: str, data: dict) -> socket.socket:
    """Post a form over a socket of our own and return once it is sent, before any answer: the moment to
    kill the server at."""
    request = browser.http.prepare_request(requests.Request("POST", url, data=data))
    address = urlsplit(url)
    lines = [f"POST {request.path_url} HTTP/1.1", f"Host: {address.netloc}", "Connection: close",
             *(f"{name}: {value}" for name, value in request.headers.items()
               if name.lower() not in ("host", "connection"))]
    connection = socket.create_connection((address.hostname, address.port), timeout=SECONDS)
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n" + request.body).encode())
    return connection


MOMENTS = ("sent", "writing", "committed")


def kill_while_sent(site: Site, connection: socket.socket, moment: str, done: str) -> None:
    """Kill the server as soon as the request is sent ("sent"), once its write transaction is open
    ("writing"), or once what it does is committed (`done`, a count, finds it; "committed"). If the answer
    comes first, the request has committed and the kill falls after it."""
    if moment != "sent":
        with site.probes() as (writing, count):
            reached = writing if moment == "writing" else lambda: count(done) > 0
            # Between looks, wait up to a millisecond for the answer: SQLite's writer gets its turn.
            until(lambda: select.select([connection], [], [], 0.001)[0] or reached(), f"the request {moment}")
    connection.close()
    site.kill_and_start()


def waiting_ballots(round_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PendingBallot)
                             .where(PendingBallot.round_id == round_id))


def facilitator_closes(round_id: int) -> None:
    facilitator = db.session.scalar(sa.select(User).where(User.email == FACILITATOR))
    close(facilitator, db.session.get(Round, round_id))


@dataclass
class Answer:
    browser: Browser
    user_id: int
    target: str
    data: dict
    token: str


def signed_in_answers(url: str, ids: dict, round_id: int, people) -> list[Answer]:
    """Each person signed in, with the filled-in forms of their whole list, ready to post."""
    ready = []
    for i, (user_id, email) in enumerate(people):
        browser = Browser(f"198.51.100.{i + 1}")
        assert browser.sign_in(url, email) == 303
        for target in ids["keys"]:
            form, token = browser.rating_form(url, round_id, target)
            scores = scores_for(ids["dimensions"], user_id, target)
            ready.append(Answer(browser, user_id, target, answers(form, scores, target), token))
    return ready


def post(url: str, round_id: int, answer: Answer) -> requests.Response:
    return answer.browser.post(url, f"/rounds/{round_id}/rate/{answer.target}", answer.data, answer.token)


# The tests -----------------------------------------------------------------------------------------

def test_a_kill_during_answers_loses_no_acknowledged_answer_and_doubles_none(site):
    round_id, ids = site.ids["autumn"], site.ids
    ready = signed_in_answers(site.server.url, ids, round_id, ids["people"][:ANSWERING])
    planned = {(a.user_id, a.target) for a in ready}
    acknowledged, lock, a_third = set(), threading.Lock(), threading.Event()

    def send(answer: Answer) -> int | None:
        try:
            status = post(site.server.url, round_id, answer).status_code
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return None  # killed before it answered
        if status == 303:
            with lock:
                acknowledged.add((answer.user_id, answer.target))
                if len(acknowledged) >= len(ready) // 3:
                    a_third.set()
        return status

    with ThreadPoolExecutor(max_workers=6) as pool:
        runs = [pool.submit(send, answer) for answer in ready]
        assert a_third.wait(timeout=SECONDS), "no answer was acknowledged"
        site.kill_and_start()
        statuses = Counter(run.result() for run in runs)
    assert set(statuses) <= {303, None}, statuses  # an answer, or none because the server was killed

    with site.database():
        done = participations(round_id)
        # Acknowledged: there. Unacknowledged: there whole or not at all — one waiting ballot a done note.
        assert acknowledged <= done <= planned
        assert waiting_ballots(round_id) == len(done)

    # Everyone goes through their list again on the new server, with the same sign-in: what is done shows
    # as done (no form), the rest is answered as usual.
    url = site.server.url
    for answer in ready:
        page = answer.browser.get(url, f"/rounds/{round_id}/rate/{answer.target}")
        assert page.status_code == 200
        if (answer.user_id, answer.target) in done:
            assert 'name="d' not in page.text
        else:
            assert post(url, round_id, answer).status_code == 303
    with site.database():
        assert participations(round_id) == planned
        assert waiting_ballots(round_id) == len(planned)
        facilitator_closes(round_id)
        assert counted_tallies(round_id) == expected_tallies(ids["dimensions"], planned)


def round_is_whole(site: Site, round_id: int) -> str:
    """The round is open with every answer waiting and nothing counted, or closed with every answer counted
    once and nothing waiting — never in between. Returns which."""
    ids = site.ids
    answered = {(user_id, target) for user_id, _email in ids["people"] for target in ids["keys"]}
    with site.database():
        state = db.session.get(Round, round_id).state
        completions = dict(db.session.execute(sa.select(Completion.user_id, Completion.done)
                                              .where(Completion.round_id == round_id)).all())
        if state == "open":
            assert participations(round_id) == answered
            assert waiting_ballots(round_id) == len(answered)
            assert summed(BallotCount, BallotCount.ballots, round_id) == 0
            assert not counted_tallies(round_id) and not completions
        else:
            assert state == "closed"
            assert participations(round_id) == set() and waiting_ballots(round_id) == 0
            assert summed(BallotCount, BallotCount.ballots, round_id) == len(answered)
            assert counted_tallies(round_id) == expected_tallies(ids["dimensions"], answered)
            assert completions == {user_id: len(ids["keys"]) for user_id, _email in ids["people"]}
    return state


def test_a_kill_during_closing_leaves_the_round_open_with_its_answers_or_closed_with_its_results(site):
    round_id = site.ids["winter"]
    facilitator = Browser("192.0.2.10")
    assert facilitator.sign_in(site.server.url, FACILITATOR) == 303
    state = "open"
    for moment in MOMENTS:
        _page, token = facilitator.page(site.server.url, f"/rounds/{round_id}")
        sent = send_unanswered(facilitator, f"{site.server.url}/rounds/{round_id}/close",
                               {"confirmed": "1", "csrf_token": token})
        kill_while_sent(site, sent, moment, f"SELECT count(*) FROM rounds WHERE id = {round_id} "
                                            "AND state = 'closed'")
        state = round_is_whole(site, round_id)
        if state == "closed":
            break
    if state == "open":  # the facilitator closes it again, as usual
        _page, token = facilitator.page(site.server.url, f"/rounds/{round_id}")
        assert facilitator.post(site.server.url, f"/rounds/{round_id}/close", {"confirmed": "1"},
                                token).status_code == 303
        assert round_is_whole(site, round_id) == "closed"


def people_file(batch: str) -> bytes:
    rows = [f"Imported {batch} {i},{batch}.{i}@import.faults.example,SAL" for i in range(IMPORTED)]
    return "\n".join(["name,email,department", *rows, ""]).encode()


def imported(batch: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.email.like(f"{batch}.%@import.faults.example")))


STAGED = re.compile(r'<input[^>]*name="staged"[^>]*value="([^"]+)"')


def test_a_kill_during_an_import_leaves_all_the_people_or_none(site):
    admin = Browser("192.0.2.20")
    assert admin.sign_in(site.server.url, ADMIN) == 303

    def preview(batch: str) -> tuple[str, str]:
        _page, token = admin.page(site.server.url, "/org/people/import")
        page = admin.post(site.server.url, "/org/people/import", {}, token,
                          files={"file": ("people.csv", people_file(batch), "text/csv")})
        assert page.status_code == 200
        return page.text, token

    # A file for each moment, named after it. Not "sent": a request killed before it began leaves nothing,
    # whatever it was (the closing shows it), and each restart costs seconds.
    for moment in ("writing", "committed"):
        page, token = preview(moment)
        sent = send_unanswered(admin, f"{site.server.url}/org/people/import",
                               {"staged": STAGED.search(page).group(1), "csrf_token": token})
        kill_while_sent(site, sent, moment, f"SELECT count(*) FROM users WHERE email LIKE '{moment}.%'")
        with site.database():
            there = imported(moment)
        assert there in (0, IMPORTED)
        # The same file again: refused whole if the import went through, else imported now. One copy.
        page, token = preview(moment)
        if there:
            assert STAGED.search(page) is None
        else:
            confirmed = admin.post(site.server.url, "/org/people/import",
                                   {"staged": STAGED.search(page).group(1)}, token)
            assert confirmed.status_code == 200
        with site.database():
            assert imported(moment) == IMPORTED


def test_a_postgresql_restart_under_load_loses_no_acknowledged_answer(private_postgres, tmp_path):
    """PostgreSQL stops (fast: open transactions are cut) while answers pour in, and starts again; the
    same gunicorn processes answer the 503 page meanwhile, and answer as usual once it is back."""
    key = secrets.token_urlsafe(48)
    url = private_postgres.create_database("faults_restart")
    ids = seed(url, key)
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(environment(key, url), log)
    try:
        server.wait_until_answering()
        ready = signed_in_answers(server.url, ids, ids["autumn"], ids["people"][:ANSWERING])
        planned = {(a.user_id, a.target) for a in ready}
        # Half the answers are sent from the start, the others only once PostgreSQL is down: they can only
        # be acknowledged after it is back.
        later = {(a.user_id, a.target) for a in ready[len(ready) // 2:]}
        statuses, acknowledged, lock = Counter(), set(), threading.Lock()
        some, down, refused, finished = (threading.Event() for _ in range(4))
        everything = threading.Event()

        def load(answers_of_thread: list[Answer]) -> None:
            """Post again and again (an answer already given is refused, politely) until told to stop."""
            for answer in cycle(answers_of_thread):
                if finished.is_set():
                    return
                if (answer.user_id, answer.target) in later and not down.is_set():
                    continue
                try:
                    response = post(server.url, ids["autumn"], answer)
                    status = response.status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                with lock:
                    statuses[status] += 1
                    if status == 303:
                        acknowledged.add((answer.user_id, answer.target))
                        some.set()
                        if acknowledged == planned:
                            everything.set()
                    elif status == 503:
                        if DOWN not in response.text:
                            statuses["503 without the page"] += 1
                        if down.is_set():
                            refused.set()

        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = [pool.submit(load, ready[n::4]) for n in range(4)]
            try:
                assert some.wait(timeout=SECONDS), "no answer was acknowledged"
                private_postgres.stop("fast")
                down.set()
                assert refused.wait(timeout=SECONDS), "no request was answered while PostgreSQL was down"
                private_postgres.start()
                assert everything.wait(timeout=SECONDS), f"answered after the restart: {statuses}"
            finally:
                finished.set()
                for run in runs:
                    run.result()
        # Every answer answered with the list (acknowledged) or the "back in a moment" page: no 500.
        assert set(statuses) == {303, 503}, statuses
        assert server.process.poll() is None
        assert log.read_text().count("Booting worker") == 2  # no worker was replaced
    finally:
        server.kill()
    with on_database(url, SECRET_KEY=key):
        assert participations(ids["autumn"]) == planned
        assert waiting_ballots(ids["autumn"]) == len(planned)
        facilitator_closes(ids["autumn"])
        assert counted_tallies(ids["autumn"]) == expected_tallies(ids["dimensions"], planned)


def test_after_a_quiet_postgresql_restart_the_first_pages_answer_as_usual(private_postgres, tmp_path):
    """PostgreSQL restarts while nobody uses the app: the connections the workers keep are dead, and the
    first request of each worker must still get its page, not the outage page."""
    key = secrets.token_urlsafe(48)
    url = private_postgres.create_database("faults_quiet")
    seed(url, key)
    server = start_gunicorn(environment(key, url), tmp_path / "gunicorn.log")
    try:
        server.wait_until_answering()
        for _ in range(10):  # every worker has opened its connection
            assert requests.get(f"{server.url}/healthz", timeout=SECONDS).status_code == 200
        private_postgres.stop("fast")
        private_postgres.start()
        answers = [requests.get(f"{server.url}/healthz", timeout=SECONDS).status_code for _ in range(10)]
        assert answers == [200] * 10
    finally:
        server.kill()
