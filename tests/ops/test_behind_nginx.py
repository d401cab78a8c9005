"""The reverse proxy exactly as docs/DEPLOYMENT.md sets it up: Debian's nginx, running the documented
server blocks (with this test's names, ports and a self-signed certificate), in front of gunicorn in
production mode. A person signs in over https on a port other than 443; forged Host and X-Forwarded-Host
headers reach no page, link or redirect.

They need nginx, openssl and gunicorn, and run with the servers (`pytest -m instances`, as .ci/run does);
they skip with the reason when something is missing, unless REQUIRE_INSTANCES=1.
"""
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from requests.adapters import HTTPAdapter

from app.extensions import db
from tests.factories import PASSWORD, make_department, make_user
from tests.ops.servers import BIN, REPO, Server, free_port, unavailable
from tests.ops.test_backup import on_database
from tests.ops.test_two_instances import REQUIRE, asked_for

pytestmark = pytest.mark.instances

NAME = "tz.test"  # the public name; nothing resolves it: the test connects to 127.0.0.1 and names it
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECONDS = 30


def documented_block() -> str:
    """The nginx block of docs/DEPLOYMENT.md, as an operator would copy it."""
    text = (REPO / "docs" / "DEPLOYMENT.md").read_text()
    return re.search(r"```nginx\n(upstream trading_zone.*?)```", text, re.S).group(1)


def nginx_config(work: Path, app_port: int, http_port: int, https_port: int) -> str:
    """The documented block with this machine's ports, paths and certificate, inside the few lines of
    nginx.conf it needs to run as a foreground process of its own."""
    block = documented_block()
    for documented, here in (
        ("127.0.0.1:8000", f"127.0.0.1:{app_port}"),
        ("listen 80", f"listen 127.0.0.1:{http_port}"),
        ("listen 443", f"listen 127.0.0.1:{https_port}"),
        ("server_name tz.example.com;", f"server_name {NAME};"),
        ("https://tz.example.com", f"https://{NAME}:{https_port}"),
        ("/etc/letsencrypt/live/tz.example.com/fullchain.pem", str(work / "cert.pem")),
        ("/etc/letsencrypt/live/tz.example.com/privkey.pem", str(work / "key.pem")),
        ("/srv/trading-zone/static/", f"{REPO / 'static'}/"),
    ):
        assert documented in block, f"the documented block no longer has {documented!r}"
        block = block.replace(documented, here)
    temp = " ".join(f"{kind}_temp_path {work / kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\nworker_processes 1;\npid {work / 'nginx.pid'};\nerror_log {work / 'error.log'};\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{\ninclude /etc/nginx/mime.types;\naccess_log {work / 'access.log'};\n{temp}\n"
            f"{block}\n}}\n")


class Inbox(Message):
    """A real SMTP server's mailbox; a test waits for a message to arrive (mail may go after the answer)."""

    def __init__(self):
        super().__init__()
        self.messages, self.arrived = [], threading.Event()

    def handle_message(self, message):
        self.messages.append(message)
        self.arrived.set()


class NamedHost(HTTPAdapter):
    """Connects to 127.0.0.1 but says, in TLS (SNI) and in the certificate check, that it wants `name`."""

    def __init__(self, name: str):
        self.name = name
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(server_hostname=self.name, assert_hostname=self.name)
        super().init_poolmanager(*args, **kwargs)


class Site:
    def __init__(self, https_port: int, http_port: int, cert: Path, inbox: Inbox):
        self.origin = f"https://{NAME}:{https_port}"
        self.http_port, self.https_port, self.cert, self.inbox = http_port, https_port, cert, inbox

    def browser(self, tls_name: str = NAME) -> requests.Session:
        """A browser that reached 127.0.0.1 by the public name: Host is name:port, as a browser sends it."""
        http = requests.Session()
        http.mount("https://", NamedHost(tls_name))
        http.trust_env = False  # the certificate below, not a CA bundle named in the environment
        http.verify = str(self.cert)
        http.headers["Host"] = f"{NAME}:{self.https_port}"
        return http

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.https_port}{path}"


def start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with open(log, "wb") as output:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)


def wait_until_answering(site: Site, app: Server, proxy: subprocess.Popen) -> None:
    """Short attempts through the proxy until the app answers; a process that exits fails at once."""
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        try:
            if site.browser().get(site.url("/login"), timeout=5).status_code == 200:
                return
        except requests.ConnectionError:  # nginx or gunicorn not listening yet
            pass
        for process in (app.process, proxy):
            try:
                process.wait(timeout=0.1)  # the pause between attempts, noticing a crash
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"{process.args[0]} exited ({process.returncode}):\n{app.tail()}")
    pytest.fail(f"no answer through nginx within {SECONDS} s:\n{app.tail()}")


@pytest.fixture(scope="module")
def site(request, tmp_path_factory):
    if not asked_for(request.config):
        pytest.skip("starts nginx and gunicorn: run `pytest -m instances`")
    missing = [name for name in ("openssl",) if shutil.which(name) is None]
    missing += [name for name in (NGINX, str(BIN / "gunicorn"), str(BIN / "flask"))
                if not Path(name).exists()]
    if missing:
        unavailable(f"missing programs: {', '.join(missing)}", REQUIRE)
    work = tmp_path_factory.mktemp("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}",
                    "-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    inbox = Inbox()
    mail_port = free_port()
    mail = Controller(inbox, hostname="127.0.0.1", port=mail_port)
    mail.start()
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    database = f"sqlite:///{work / 'tz.sqlite'}"
    key = secrets.token_urlsafe(48)
    env = {**{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
           "TZ_ENV": "production", "SECRET_KEY": key, "DATABASE_URL": database,
           "BASE_URL": f"https://{NAME}:{https_port}", "PREFERRED_URL_SCHEME": "https",
           "PROXY_FIX_X_FOR": "1",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mail_port), "MAIL_USE_TLS": "0",
           "PYTHONUNBUFFERED": "1"}
    upgraded = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    with on_database(database, SECRET_KEY=key):
        make_user("employee@nginx.example", department=make_department("Sales", "SAL"))
        db.session.commit()
    (work / "nginx.conf").write_text(nginx_config(work, app_port, http_port, https_port))
    checked = subprocess.run([NGINX, "-t", "-c", str(work / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, f"the documented block does not load:\n{checked.stderr}"
    app = Server(start([str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{app_port}",
                        "--no-control-socket", "wsgi:app"], work / "gunicorn.log", env),
                 f"http://127.0.0.1:{app_port}", work / "gunicorn.log")
    proxy = start([NGINX, "-c", str(work / "nginx.conf")], work / "nginx.out")
    try:
        result = Site(https_port, http_port, work / "cert.pem", inbox)
        wait_until_answering(result, app, proxy)
        yield result
    finally:
        proxy.terminate()
        proxy.wait(timeout=SECONDS)
        app.stop()
        mail.stop()


CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def sign_in_form(site: Site, browser: requests.Session) -> str:
    page = browser.get(site.url("/login"), timeout=SECONDS)
    assert page.status_code == 200, page.status_code
    return CSRF.search(page.text).group(1)


def test_a_person_signs_in_over_https_on_a_port_other_than_443(site):
    """The proxy passes the port on, so the sign-in form's https Referer check (same host and port) holds;
    every answer tells the browser to stay on https."""
    browser = site.browser()
    token = sign_in_form(site, browser)
    signed_in = browser.post(site.url("/login"), allow_redirects=False, timeout=SECONDS,
                             data={"email": "employee@nginx.example", "password": PASSWORD,
                                   "csrf_token": token},
                             headers={"Referer": f"{site.origin}/login", "Origin": site.origin})
    assert signed_in.status_code == 303, signed_in.text[:500]
    assert "max-age=31536000" in signed_in.headers["Strict-Transport-Security"]
    home = browser.get(site.url("/"), timeout=SECONDS)
    assert home.status_code == 200 and "Sign out" in home.text
    stylesheet = browser.get(site.url("/static/css/app.css"), timeout=SECONDS,
                             headers={"Accept-Encoding": "gzip"})
    assert "max-age" in stylesheet.headers["Strict-Transport-Security"]
    assert stylesheet.headers["Content-Encoding"] == "gzip" and "--band-1" in stylesheet.text
    assert browser.get(site.url("/"), timeout=SECONDS).headers["Content-Encoding"] == "gzip"


def test_plain_http_is_sent_to_the_public_https_address(site):
    moved = requests.get(f"http://127.0.0.1:{site.http_port}/login?x=1", allow_redirects=False,
                         headers={"Host": NAME}, timeout=SECONDS)
    assert moved.status_code == 301 and moved.headers["Location"] == f"{site.origin}/login?x=1"


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"},
    {"Host": "evil.example", "X-Forwarded-Host": NAME},
    {"Host": f"{NAME}.evil.example"},
])
def test_a_request_for_another_host_gets_no_answer(site, headers):
    browser = site.browser()
    browser.headers.update(headers)
    with pytest.raises(requests.ConnectionError):  # 444: nginx closes the connection without a word
        browser.post(site.url("/forgot"), data={"email": "employee@nginx.example"}, timeout=SECONDS)


def test_tls_for_another_name_is_refused(site):
    with pytest.raises(requests.exceptions.SSLError):
        site.browser(tls_name="evil.example").get(site.url("/login"), timeout=SECONDS)


def test_a_forged_x_forwarded_host_reaches_no_link_and_no_redirect(site):
    """X-Forwarded-Host is the proxy's to set: the client's own is replaced, so a reset mail links to the
    public address and the redirects stay on the site."""
    browser = site.browser()
    browser.headers["X-Forwarded-Host"] = "evil.example"
    token = sign_in_form(site, browser)
    site.inbox.arrived.clear()
    sent = browser.post(site.url("/forgot"), allow_redirects=False, timeout=SECONDS,
                        data={"email": "employee@nginx.example", "csrf_token": token},
                        headers={"Referer": f"{site.origin}/forgot"})
    assert sent.status_code == 303 and "evil" not in sent.headers["Location"]
    assert site.inbox.arrived.wait(SECONDS), "no reset mail arrived"
    body = site.inbox.messages[-1].get_payload(decode=True).decode()
    assert "evil" not in body
    assert re.search(rf"{re.escape(site.origin)}/password/\S+", body)
    home = browser.get(site.url("/"), allow_redirects=False, timeout=SECONDS)
    assert home.status_code in (302, 303) and "evil" not in home.headers["Location"]
