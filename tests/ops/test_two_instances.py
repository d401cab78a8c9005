"""Two app instances behind an imagined load balancer: two gunicorn servers (two workers each) on one
PostgreSQL database and one Redis, driven over HTTP with real sign-ins, CSRF tokens and form posts.

They need PostgreSQL (127.0.0.1:5432, user postgres; the databases tz_instances and tz_instances_restored
are created and dropped here), Redis (127.0.0.1:6379; its database 3 is emptied) and gunicorn. They run
only when asked for (`pytest -m instances`, as .ci/run does) and skip with the reason when something is
missing, unless REQUIRE_INSTANCES=1, which turns a skip into a failure.
"""
import secrets
import shutil
import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.ratings.models import BallotCount, Completion, PendingBallot, Round
from app.ratings.services import response_rates
from tests.conftest import CsrfClient
from tests.factories import PASSWORD, link, make_department, make_user
from tests.ops import servers
from tests.ops.servers import (
    BIN,
    REPO,
    Browser,
    Server,
    answers,
    counted_tallies,
    expected_tallies,
    participations,
    start_gunicorn,
    unavailable,
)
from tests.ops.test_backup import (
    interleave,
    keys_for,
    kind_of,
    on_database,
    scores_for,
    spring_published_autumn_open,
    summed,
)
from tests.ratings.test_services import add_dimensions, asked, close, start_round

pytestmark = pytest.mark.instances

REQUIRE = "REQUIRE_INSTANCES"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
DATABASE, RESTORED = "tz_instances", "tz_instances_restored"
REDIS_URL = "redis://127.0.0.1:6379/3"  # a Redis database of their own, emptied before and after
LOGIN_LIMIT = 5
PER_DEPARTMENT = 20  # people in Sales and in Operations
DOUBLE_SENDERS = 10  # people whose company rating is sent four times at once, twice to each instance


def database_url(name: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def asked_for(config) -> bool:
    return servers.asked_for(config, "instances", REQUIRE)


def check_the_machine() -> None:
    missing = [name for name in ("createdb", "dropdb", "pg_dump", "pg_restore") if shutil.which(name) is None]
    missing += [name for name in ("gunicorn", "flask") if not (BIN / name).exists()]
    if missing:
        unavailable(f"missing programs: {', '.join(missing)}", REQUIRE)
    try:
        psycopg.connect(database_url("postgres"), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}: {error}", REQUIRE)
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {error}", REQUIRE)


def postgres(program: str, name: str) -> None:
    options = ["--if-exists", "--force"] if program == "dropdb" else []
    subprocess.run([program, "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, *options, name],
                   check=True, capture_output=True, timeout=60)


def environment(key: str, database: str) -> dict:
    """What an operator sets on every instance: production mode on plain http (127.0.0.1 only), one
    SECRET_KEY, one database, one Redis, and a proxy in front whose X-Forwarded-For is trusted."""
    return {**servers.kept_environment(), "TZ_ENV": "production", "SECRET_KEY": key,
            "DATABASE_URL": database_url(database),
            "BASE_URL": "http://127.0.0.1",
            "REDIS_URL": REDIS_URL, "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "PROXY_FIX_X_FOR": "1",
            "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1"}


def flask(key: str, database: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=REPO,
                          env=environment(key, database), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"flask {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def start_server(key: str, logs: Path, name: str) -> Server:
    return start_gunicorn(environment(key, DATABASE), logs / f"{name}.log")


@dataclass
class Cluster:
    key: str
    a: Server
    b: Server
    ids: dict = field(default_factory=dict)

    @property
    def sites(self) -> tuple[str, str]:
        return self.a.url, self.b.url

    def database(self, name: str = DATABASE):
        """An app context on the shared (or restored) database, with the instances' SECRET_KEY."""
        return on_database(database_url(name), SECRET_KEY=self.key)


def seed(key: str) -> dict:
    """Finance serves Sales and Operations; everyone can sign in. Spring is published (with comments);
    Autumn and Winter are open. Returns the ids the tests need."""
    with on_database(database_url(DATABASE), SECRET_KEY=key):
        add_dimensions(3)
        finance, sales, ops = (make_department("Finance", "FIN"), make_department("Sales", "SAL"),
                               make_department("Operations", "OPS"))
        link(finance, sales)
        link(finance, ops)
        facilitator = make_user("facilitator@instances.example", is_facilitator=True)
        people = interleave(
            [make_user(f"sales{i}@instances.example", department=sales) for i in range(PER_DEPARTMENT)],
            [make_user(f"ops{i}@instances.example", department=ops) for i in range(PER_DEPARTMENT)])
        make_user("limited@instances.example", department=sales)
        make_user("traveller@instances.example", department=ops)
        db.session.commit()
        departments = [finance, sales, ops]
        spring, autumn = spring_published_autumn_open(facilitator, finance, departments, people)
        dimensions = asked(spring)
        winter = start_round(facilitator, departments, name="Winter")
        return {"people": [(p.id, p.email) for p in people], "keys": keys_for(finance),
                "dimensions": dimensions, "departments": [d.id for d in departments], "spring": spring.id,
                "autumn": autumn.id, "winter": winter.id}


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    if not asked_for(request.config):
        pytest.skip("starts two gunicorn servers on PostgreSQL and Redis: run `pytest -m instances`")
    check_the_machine()
    key = secrets.token_urlsafe(48)
    store = redis.Redis.from_url(REDIS_URL)
    logs = tmp_path_factory.mktemp("instances")
    servers: list[Server] = []
    for name in (DATABASE, RESTORED):
        postgres("dropdb", name)
    try:
        postgres("createdb", DATABASE)
        flask(key, DATABASE, "db", "upgrade")  # the schema exactly as an operator creates it
        store.flushdb()
        ids = seed(key)
        servers += [start_server(key, logs, "a"), start_server(key, logs, "b")]
        for server in servers:
            server.wait_until_answering()
        yield Cluster(key, *servers, ids=ids)
    finally:
        for server in servers:
            server.stop()
        for name in (DATABASE, RESTORED):
            postgres("dropdb", name)
        store.flushdb()


# A person's browser on both instances -------------------------------------------------------------

def answer_round(cluster: Cluster, round_id: int, i: int, user_id: int, email: str,
                 copies_of_company: int = 1, answered=None) -> list[int]:
    """Person i signs in on one instance and answers their list, each request on the other instance
    than the one before. Their company rating may be sent several times at once, to both instances."""
    dimensions, sites = cluster.ids["dimensions"], cluster.sites
    browser = Browser(f"198.51.100.{i + 1}")
    assert browser.sign_in(sites[i % 2], email) == 303
    statuses = []
    for j, target in enumerate(cluster.ids["keys"]):
        site = sites[(i + j + 1) % 2]
        form, token = browser.rating_form(site, round_id, target)
        assert sorted(form.values()) == sorted(dimensions)
        data = answers(form, scores_for(dimensions, user_id, target), target)
        path = f"/rounds/{round_id}/rate/{target}"
        if target == "company" and copies_of_company > 1:
            copies = [sites[n % 2] for n in range(copies_of_company)]
            statuses += send_at_once(browser, copies, path, data, token)
        else:
            statuses.append(browser.post(site, path, data, token).status_code)
        if answered is not None:
            answered()
    return statuses


def send_at_once(browser: Browser, sites: list[str], path: str, data: dict, token: str) -> list[int]:
    """The same form posted from several tabs of one browser at the same moment."""
    barrier, statuses = threading.Barrier(len(sites)), [None] * len(sites)
    tabs = [Browser(browser.http.headers["X-Forwarded-For"], browser.http.cookies) for _ in sites]

    def send(n):
        barrier.wait()
        statuses[n] = tabs[n].post(sites[n], path, data, token).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(sites))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


# The tests -----------------------------------------------------------------------------------------

def test_answers_spread_over_both_instances_count_exactly_once(cluster):
    round_id, people = cluster.ids["autumn"], cluster.ids["people"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = [pool.submit(answer_round, cluster, round_id, i, user_id, email,
                            4 if i < DOUBLE_SENDERS else 1)
                for i, (user_id, email) in enumerate(people)]
        statuses = [status for run in runs for status in run.result()]
    # Every post, copies included, ends in the redirect back to the list: no error page anywhere.
    assert statuses == [303] * (len(people) * len(cluster.ids["keys"]) + DOUBLE_SENDERS * 3)
    expected = {(user_id, target) for user_id, _email in people for target in cluster.ids["keys"]}
    with cluster.database():
        assert participations(round_id) == expected
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(PendingBallot)
                                    .where(PendingBallot.round_id == round_id))
        assert summed(BallotCount, BallotCount.ballots, round_id) + waiting == len(expected)

    facilitator = Browser("192.0.2.10")
    assert facilitator.sign_in(cluster.b.url, "facilitator@instances.example") == 303
    _page, token = facilitator.page(cluster.a.url, f"/rounds/{round_id}")
    closed = facilitator.post(cluster.a.url, f"/rounds/{round_id}/close", {"confirmed": "1"}, token)
    assert closed.status_code == 303

    with cluster.database():
        round_ = db.session.get(Round, round_id)
        assert round_.state == "closed"
        assert summed(BallotCount, BallotCount.ballots, round_id) == len(expected)
        # Production adds noise to the counts of answers at closing (docs/ANONYMITY.md); how many answered
        # for what stays exact, so each answer is seen to count once.
        assert round_.noise_scale > 0
        assert Counter(dict(db.session.execute(
            sa.select(BallotCount.target_kind, sa.func.sum(BallotCount.ballots))
            .where(BallotCount.round_id == round_id).group_by(BallotCount.target_kind)).all())) == Counter(
            kind_of(target) for _user_id, target in expected)
        # Of participation only how much each person did is left: everyone finished their list once.
        done = {user_id: (n, of) for user_id, n, of in db.session.execute(
            sa.select(Completion.user_id, Completion.done, Completion.expected)
            .where(Completion.round_id == round_id))}
        assert {user_id: done[user_id] for user_id, _email in people} == {
            user_id: (3, 3) for user_id, _email in people}
        assert participations(round_id) == set()
        rates = {r.department.name: (r.members, r.finished) for r in response_rates(round_)}
        assert rates["Sales"][1] == rates["Operations"][1] == PER_DEPARTMENT


def test_the_sign_in_limit_holds_across_instances(cluster):
    a, b = cluster.sites
    browser = Browser("203.0.113.7")
    failures = [browser.sign_in((a, b)[n % 2], "limited@instances.example", "not the password")
                for n in range(LOGIN_LIMIT)]
    assert failures == [200] * LOGIN_LIMIT  # the "not right" page, from either instance
    # Every process of both instances now refuses this address, even with the right password.
    assert [browser.sign_in(site, "limited@instances.example") for site in (a, b, a, b)] == [429] * 4
    # The limit is on the address: the account itself is not locked out.
    assert Browser("203.0.113.8").sign_in(b, "limited@instances.example") == 303


def test_a_session_ended_on_one_instance_is_ended_on_the_other(cluster):
    a, b = cluster.sites
    browser = Browser("203.0.113.20")
    assert browser.sign_in(a, "traveller@instances.example") == 303
    cookie = browser.http.cookies.get("tz_session")
    assert browser.get(b, "/account").status_code == 200  # signed in on A, known on B
    _page, token = browser.page(b, "/account")
    assert browser.post(b, "/logout", {}, token).status_code == 303
    replayed = Browser("203.0.113.20")
    replayed.http.cookies.set("tz_session", cookie)
    refused = replayed.get(a, "/account")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]


def test_an_online_backup_under_load_restores_with_the_same_published_results(cluster, tmp_path):
    round_id, spring, people = cluster.ids["winter"], cluster.ids["spring"], cluster.ids["people"]
    total = len(people) * len(cluster.ids["keys"])
    lock, accepted, a_third = threading.Lock(), [0], threading.Event()

    def answered():
        with lock:
            accepted[0] += 1
            if accepted[0] >= total // 3:
                a_third.set()

    path = tmp_path / "winter.dump"
    with ThreadPoolExecutor(max_workers=6) as pool:
        runs = [pool.submit(answer_round, cluster, round_id, i, user_id, email, 1, answered)
                for i, (user_id, email) in enumerate(people)]
        assert a_third.wait(timeout=300), "the load never got going"
        made = flask(cluster.key, DATABASE, "backup", str(path))  # pg_dump while both instances take answers
        statuses = [status for run in runs for status in run.result()]
    assert statuses == [303] * total and "schema revision" in made.stdout

    postgres("createdb", RESTORED)
    flask(cluster.key, RESTORED, "restore", "--yes", str(path))

    with cluster.database():
        assert len(participations(round_id)) == total
    # What a head of department downloads: from a live instance on the original database, and from the
    # restored one (the same pages in this process) — byte for byte.
    facilitator = Browser("192.0.2.11")
    assert facilitator.sign_in(cluster.a.url, "facilitator@instances.example") == 303
    exports = [f"/results/{spring}/company.csv", f"/results/{spring}/matrix.csv?measure=overall",
               *(f"/results/{spring}/departments/{d}.csv" for d in cluster.ids["departments"])]
    served = [facilitator.get(cluster.a.url, url) for url in exports]
    assert [r.status_code for r in served] == [200] * len(exports)
    with cluster.database(RESTORED) as restored:
        restored.test_client_class = CsrfClient
        client = restored.test_client()
        assert client.sign_in("facilitator@instances.example", PASSWORD).status_code == 303
        assert [client.get(url).data for url in exports] == [r.content for r in served]

        # The copy is one moment: every answer in it is waiting or folded, once; with the same
        # SECRET_KEY closing it counts every one of them.
        in_copy = participations(round_id)
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(PendingBallot)
                                    .where(PendingBallot.round_id == round_id))
        assert total // 3 <= len(in_copy) <= total
        assert summed(BallotCount, BallotCount.ballots, round_id) + waiting == len(in_copy)
        closer = db.session.scalar(sa.select(User).where(User.email == "facilitator@instances.example"))
        close(closer, db.session.get(Round, round_id))
        assert summed(BallotCount, BallotCount.ballots, round_id) == len(in_copy)
        assert counted_tallies(round_id) == expected_tallies(cluster.ids["dimensions"], in_copy)
