"""`flask tick` as hosts run it, in processes of its own: killed with SIGKILL while the mail server holds one
notice, it loses none and sends none twice, and the next tick (once the dead one's lease has run out) sends
the rest; two hosts' ticks started at once open a round once and tell each person once."""
import asyncio
import subprocess
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.auth.models import User
from app.database import scheduler_leases
from app.extensions import db
from app.notices.models import Notice
from app.ratings import services
from app.time import utcnow
from tests.factories import count
from tests.ops.servers import BIN, REPO, free_port, kept_environment
from tests.ratings.test_schedule import company as company  # noqa: F401 (a fixture)
from tests.ratings.test_schedule import draft
from tests.ratings.test_services import person

SECONDS = 60  # the most the tick may take to reach the held notice


class _Holding:
    """An SMTP server's handler that takes every message but the `hold_at`-th, which it holds before
    answering until `go` is set, and then refuses: its sender never got the 250 that means "taken"."""

    def __init__(self, hold_at: int):
        self.recipients: list[str] = []
        self.hold_at, self.holding, self.go = hold_at, threading.Event(), threading.Event()
        self.seen = 0

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.seen += 1
        if self.seen == self.hold_at:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.go.wait)
            return "451 The sender went away"
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def _tick(database_uri: str, port: int, *args: str) -> subprocess.Popen:
    environment = {**kept_environment(), "TZ_ENV": "development", "DATABASE_URL": database_uri,
                   "SECRET_KEY": "outbox-kill-test", "BASE_URL": "http://localhost",
                   "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_USE_TLS": "0"}
    return subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "tick", *args], cwd=REPO, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def mail_server(request):
    handler = _Holding(hold_at=getattr(request, "param", 3))
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.go.set()
    controller.stop()


def test_a_tick_killed_mid_send_loses_no_notice_and_sends_none_twice(company, database_uri, mail_server):
    handler, port = mail_server
    for _ in range(4):
        person(company["sales"])
    round_ = draft(company)
    services.open_round(company["facilitator"], round_)
    db.session.commit()
    expected = sorted(db.session.scalars(sa.select(User.email).join(Notice, Notice.user_id == User.id)))
    assert len(expected) == 6  # the round's people: the facilitator, the seller and four more
    db.session.commit()  # SQLite: the test's open transaction would hold the write lock the tick needs

    killed = _tick(database_uri, port)
    assert handler.holding.wait(SECONDS), killed.communicate()[0]
    killed.kill()
    killed.wait()
    handler.go.set()
    assert len(handler.recipients) == 2  # taken before the kill
    db.session.expire_all()
    assert count(Notice, Notice.state == "sent") == 2
    assert count(Notice, Notice.state == "pending") == 4  # the held one among them: nothing is lost

    # The dead tick's lease runs out (five minutes on the clock), and the next tick sends what is left.
    db.session.execute(sa.update(scheduler_leases).values(held_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    later = (utcnow() + timedelta(minutes=2)).isoformat(timespec="seconds")  # past the held one's retry
    output = _tick(database_uri, port, "--now", later).communicate(timeout=SECONDS)[0]
    assert "Notices: 4 sent, 0 failed" in output
    assert sorted(handler.recipients) == expected  # each person once
    db.session.expire_all()
    assert count(Notice, Notice.state == "sent") == 6


@pytest.mark.parametrize("mail_server", [0], indirect=True)  # holds nothing
def test_two_hosts_ticking_at_once_open_the_round_once_and_tell_each_person_once(
        company, database_uri, mail_server):
    handler, port = mail_server
    for _ in range(20):
        person(company["sales"])
    round_ = draft(company)
    expected = sorted(p.email for p in round_.departments[0].members + round_.departments[1].members)
    opening = f"{round_.opens_on}T09:00"
    db.session.commit()  # SQLite: the test's open transaction would hold the lock the ticks need

    ticks = [_tick(database_uri, port, "--now", opening) for _ in range(2)]
    outputs = [tick.communicate(timeout=SECONDS)[0] for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0], outputs
    assert sum("Opened Winter" in output for output in outputs) == 1, outputs
    assert sorted(handler.recipients) == expected  # each person of the round once, by one host or the other
    db.session.expire_all()
    assert count(Notice, Notice.state == "sent") == len(expected)
