"""Page views keep answering while another process holds SQLite's write lock: gunicorn served exactly as
docs/DEPLOYMENT.md says (but with two workers), on a SQLite file, driven over HTTP with real sign-ins.

They need gunicorn and run with the servers (`pytest -m instances`, as .ci/run does); they skip with the
reason when it is missing, unless REQUIRE_INSTANCES=1.
"""
import os
import re
import secrets
import shlex
import sqlite3
import subprocess
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import pytest
import requests
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.ratings.models import BallotCount, Participation, PendingBallot
from tests.factories import link, make_department, make_user
from tests.ops.servers import BIN, REPO, Browser, Server, answers, free_port, unavailable
from tests.ops.test_backup import on_database, summed
from tests.ops.test_two_instances import REQUIRE, asked_for
from tests.ratings.test_services import add_dimensions, start_round

pytestmark = pytest.mark.instances
BUSY = {"en": "The database is busy with another change. Nothing was saved.",
        "ru": "База данных занята другим изменением. Ничего не сохранено."}

WORKERS = 2
# A writer waits for the lock far longer than the page view below is given: served as before, every
# thread waits in a post and the page view times out, which fails the test instead of hanging it.
BUSY_TIMEOUT_MS = 300_000
PAGE_SECONDS = 30


def documented_command(port: int) -> list[str]:
    """The gunicorn command of docs/DEPLOYMENT.md's Serving, as an operator would copy it, with this test's
    port and two workers instead of five."""
    text = (REPO / "docs" / "DEPLOYMENT.md").read_text()
    line = re.search(r"```sh\n[^`]*?(\.venv/bin/gunicorn [^\n`]*)\n```", text).group(1)
    for documented, here in (("--bind 127.0.0.1:8000", f"--bind 127.0.0.1:{port}"),
                             ("--workers 5", f"--workers {WORKERS}")):
        assert documented in line, f"the documented command no longer has {documented!r}"
        line = line.replace(documented, here)
    return [str(BIN / "gunicorn"), *shlex.split(line)[1:], "--no-control-socket"]


def threads_of(command: list[str]) -> int:
    return int(command[command.index("--threads") + 1]) if "--threads" in command else 1


@pytest.fixture
def served(request, tmp_path):
    """The documented server on a SQLite file; an open round that Finance's clients (Sales) answer."""
    if not asked_for(request.config):
        pytest.skip("starts gunicorn: run `pytest -m instances`")
    if not (BIN / "gunicorn").exists() or not (BIN / "flask").exists():
        unavailable("missing programs: gunicorn, flask", REQUIRE)
    path = tmp_path / "tz.sqlite"
    key = secrets.token_urlsafe(48)
    env = {**{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
           "TZ_ENV": "production", "SECRET_KEY": key, "DATABASE_URL": f"sqlite:///{path}",
           "BASE_URL": "http://127.0.0.1", "PROXY_FIX_X_FOR": "1", "WEB_CONCURRENCY": str(WORKERS),
           "SQLITE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS), "PYTHONUNBUFFERED": "1"}
    upgraded = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    port = free_port()
    command = documented_command(port)
    posts = WORKERS * threads_of(command) + 4  # more than the server has threads
    with on_database(f"sqlite:///{path}", SECRET_KEY=key):
        add_dimensions(3)
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        link(finance, sales)
        facilitator = make_user("facilitator@lock.example", is_facilitator=True)
        emails = [make_user(f"sales{i}@lock.example", department=sales, language="en").email
                  for i in range(posts + 1)]
        db.session.commit()
        round_id = start_round(facilitator, [finance, sales]).id
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_answering()
        yield server, path, key, round_id, emails
    finally:
        server.stop()


def test_a_page_view_answers_while_another_process_holds_the_write_lock_and_writers_are_refused_calmly(
        served):
    server, path, key, round_id, emails = served
    site = server.url
    people = []
    for i, email in enumerate(emails):
        browser = Browser(f"198.51.100.{i + 1}")
        assert browser.sign_in(site, email) == 303
        people.append(browser)
    viewer, posters = people[0], people[1:]
    # Half answer the round (company), half change their language: each post prepared with its token.
    prepared = []
    for n, browser in enumerate(posters):
        if n % 2:
            form, token = browser.rating_form(site, round_id, "company")
            scores = {dimension: 4 for dimension in form.values()}
            prepared.append((browser, f"/rounds/{round_id}/rate/company", answers(form, scores, "company"),
                             token))
        else:
            _page, token = browser.page(site, "/account")
            prepared.append((browser, "/language", {"language": "ru"}, token))

    def send(browser, path_, data, token):
        response = browser.http.post(site + path_, data={**data, "csrf_token": token}, allow_redirects=False,
                                     timeout=BUSY_TIMEOUT_MS / 1000 + 60)
        return response.status_code, response.text

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long change: a round's closing, a command
    pool = ThreadPoolExecutor(max_workers=len(prepared))
    try:
        sent = [pool.submit(send, *post) for post in prepared]
        # The first answer can only be a refusal (nothing commits while the lock is held), and comes once
        # a worker's waiting places are all taken: a page view now finds writers waiting.
        wait(sent, timeout=PAGE_SECONDS, return_when=FIRST_COMPLETED)
        try:
            page = viewer.http.get(f"{site}/rounds/{round_id}/rate/company", timeout=PAGE_SECONDS)
        except requests.Timeout:
            pytest.fail(f"the page view got no answer in {PAGE_SECONDS} s while the write lock was held")
    finally:
        holder.rollback()  # only now: the page view above was answered while the lock was held
        holder.close()
        pool.shutdown()
    assert page.status_code == 200
    results = [post.result() for post in sent]

    statuses = [status for status, _text in results]
    assert set(statuses) == {303, 503}, statuses  # some waited and were saved, the rest refused
    for status, text in results:
        if status == 503:  # in the language of the page: a language change asked for Russian
            assert BUSY[re.search(r'<html lang="(\w+)"', text)[1]] in text
    saved = Counter(path_ for (_browser, path_, _data, _token), (status, _text) in zip(prepared, results,
                                                                                        strict=True)
                    if status == 303)
    # Nothing half-written: an answer saved is one participation and one ballot, a refused one neither.
    with on_database(f"sqlite:///{path}", SECRET_KEY=key):
        answered = db.session.scalar(sa.select(sa.func.count()).select_from(Participation)
                                     .where(Participation.round_id == round_id))
        ballots = summed(BallotCount, BallotCount.ballots, round_id) + db.session.scalar(
            sa.select(sa.func.count()).select_from(PendingBallot).where(PendingBallot.round_id == round_id))
        switched = db.session.scalar(sa.select(sa.func.count()).select_from(User)
                                     .where(User.language == "ru"))
    assert answered == ballots == saved[f"/rounds/{round_id}/rate/company"]
    assert switched == saved["/language"]
