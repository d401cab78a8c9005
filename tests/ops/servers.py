"""What the tests on real servers share: asking for them, gunicorn started, stopped or killed, a person's
browser speaking HTTP to it, and the answers counted in the database afterwards."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.ratings.models import Participation, Tally
from tests.factories import PASSWORD
from tests.ops.test_backup import kind_of, scores_for

BIN = Path(sys.executable).parent  # gunicorn and flask from the same virtual environment
REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


def required(variable: str) -> bool:
    return os.environ.get(variable) == "1"


def unavailable(reason: str, variable: str):
    """Skip for what this machine lacks, unless `variable`=1 (CI), which turns the skip into a failure."""
    if required(variable):
        pytest.fail(f"{reason} ({variable}=1)")
    pytest.skip(reason)


def asked_for(config, marker: str, variable: str) -> bool:
    """Started only on purpose (`pytest -m <marker>`): they take a while, ports and services."""
    chosen = re.search(rf"(?<!not )\b{marker}\b", config.option.markexpr or "")
    return required(variable) or chosen is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def wait_until_answering(self) -> None:
        """Short connection attempts until the server answers; a server that exits fails at once."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/login", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not listening, or workers still booting
                pass
            try:
                self.process.wait(timeout=0.1)  # the pause between attempts, noticing a crash
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"gunicorn at {self.url} exited ({self.process.returncode}):\n{self.tail()}")
        pytest.fail(f"gunicorn at {self.url} did not answer within {STARTUP_SECONDS} s:\n{self.tail()}")

    def stop(self) -> None:
        self.process.terminate()  # gunicorn's graceful shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """kill -9 of the master and its workers at once (their own process group), as a power cut would."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def start_gunicorn(environment: dict, log: Path, workers: int = 2) -> Server:
    port = free_port()
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--graceful-timeout", "10", "--no-control-socket", "wsgi:app"],  # two on one host (DEPLOYMENT)
            cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)  # a group of its own, which kill() ends whole
    return Server(process, f"http://127.0.0.1:{port}", log)


def kept_environment() -> dict:
    return {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
            if name in os.environ}


# A person's browser --------------------------------------------------------------------------------

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Browser:
    """One person's browser. Servers on one host (same host, other port) are one site, so the cookie set by
    one goes to the other, as behind a load balancer. The address is the one the proxy reports."""

    def __init__(self, address: str, cookies=None):
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address
        if cookies is not None:
            self.http.cookies.update(cookies)

    def get(self, site: str, path: str) -> requests.Response:
        return self.http.get(site + path, allow_redirects=False, timeout=60)

    def post(self, site: str, path: str, data: dict, token: str, **options) -> requests.Response:
        return self.http.post(site + path, data={**data, "csrf_token": token}, allow_redirects=False,
                              timeout=60, **options)

    def page(self, site: str, path: str) -> tuple[str, str]:
        """The page (which must answer 200) and the CSRF token it carries."""
        response = self.get(site, path)
        assert response.status_code == 200, (path, response.status_code)
        match = CSRF.search(response.text)
        assert match, f"no CSRF token on {path}"
        return response.text, match.group(1)

    def sign_in(self, site: str, email: str, password: str = PASSWORD) -> int:
        _page, token = self.page(site, "/login")
        return self.post(site, "/login", {"email": email, "password": password}, token).status_code

    def rating_form(self, site: str, round_id: int, target: str) -> tuple[dict, str]:
        """The questions of the rating form (field name → dimension id) and its token."""
        page, token = self.page(site, f"/rounds/{round_id}/rate/{target}")
        return {name: int(name[1:]) for name in set(re.findall(r'name="(d\d+)"', page))}, token


def answers(form: dict, scores: dict[int, int], target: str) -> dict:
    data = {name: str(scores[dimension]) for name, dimension in form.items()}
    if kind_of(target) == "service":
        data["comment"] = "Quick and friendly."
    return data


# What the database holds ---------------------------------------------------------------------------

def expected_tallies(dimensions, answered) -> Counter:
    return Counter((kind_of(target), d, s) for user_id, target in answered
                   for d, s in scores_for(dimensions, user_id, target).items())


def counted_tallies(round_id: int) -> Counter:
    counted = Counter()
    for tally in db.session.scalars(sa.select(Tally).where(Tally.round_id == round_id)):
        counted[(tally.target_kind, tally.dimension_id, tally.score)] += tally.count
    return counted


def participations(round_id: int) -> set[tuple[int, str]]:
    return set(db.session.execute(sa.select(Participation.user_id, Participation.target)
                                  .where(Participation.round_id == round_id)).all())
