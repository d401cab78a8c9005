"""Invitation and reset links: a reset request leaves an invitation alone, no link ever reaches the log, and
a reset mail leaves only after the answer, so a known and an unknown address answer alike."""
import logging
import re
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.auth import services
from app.auth.models import OneTimeLink
from app.extensions import db
from tests.factories import count, count_statements, make_user, page_text

NEW_PASSWORD = "a brand new passphrase 42"
LINK = re.compile(r"/password/([A-Za-z0-9_-]+)")


def works(app, token: str) -> bool:
    return app.test_client().get(f"/password/{token}").status_code == 200


def forgot(client, email: str) -> None:
    """Ask for a reset link, and let the answer be sent (closing it) as a browser would."""
    with client.post("/forgot", data={"email": email}) as response:
        assert response.status_code == 303


# A reset request and a pending invitation ---------------------------------------------------------

def test_a_reset_request_leaves_a_pending_invitation_alone(app, client, org, inbox):
    person = make_user("new@example.com", password=None)
    invitation = services.issue_link(person, "invite")
    db.session.commit()
    forgot(client, "new@example.com")
    assert works(app, invitation)
    [mail] = inbox
    assert works(app, LINK.search(mail.get_payload(decode=True).decode()).group(1))


def test_a_new_invitation_still_replaces_the_old_one_and_a_used_link_ends_the_others(app, org):
    person = make_user("new@example.com", password=None)
    old = services.issue_link(person, "invite")
    invitation = services.issue_link(person, "invite")
    reset = services.issue_link(person, "reset")
    db.session.commit()
    assert not works(app, old) and works(app, invitation) and works(app, reset)
    app.test_client().post(f"/password/{reset}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not works(app, invitation)  # the password is set: the invitation must not set it again


# Nothing in the log ---------------------------------------------------------------------------------

def app_records(caplog) -> list[logging.LogRecord]:
    """Every record logged but the test's own SMTP server's (aiosmtpd's "mail.log"), which shows what it
    received, as the recipient's mail server would."""
    return [r for r in caplog.records if not r.name.startswith("mail.log")]


def assert_no_link_logged(caplog):
    records = app_records(caplog)
    assert records  # the log was listened to
    for record in records:
        assert "/password/" not in record.getMessage() + (record.exc_text or "")


def test_without_a_mail_server_the_admin_sees_links_and_the_log_does_not(admin, org, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("app").debug("listening")
    page = page_text(admin.post("/org/people/new", data={"name": "Mila", "email": "mila@example.com",
                                                         "department_id": org["sales"].id}))
    again = page_text(admin.post(f"/org/people/{org['employee'].id}/link"))
    tokens = LINK.findall(page) + LINK.findall(again)
    assert len(tokens) == 2
    assert_no_link_logged(caplog)
    assert not any(token in caplog.text for token in tokens)


def test_without_a_mail_server_a_reset_request_issues_nothing_and_says_to_ask_an_admin(client, org, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("app").debug("listening")
    page = page_text(client.get("/forgot"))
    assert "No e-mail is sent from this installation" in page and 'name="email"' not in page
    assert "Ask your administrator" in page
    assert "Ada Admin" not in page and "admin@example.com" not in page  # no account is named to strangers
    flashes = []
    for email in ("employee@example.com", "nobody@example.com"):
        with client.post("/forgot", data={"email": email}) as response:
            flashes.append(page_text(client.get(response.headers["Location"])))
    assert count(OneTimeLink) == 0
    assert flashes[0] == flashes[1] and "ask an administrator" in flashes[0]
    assert_no_link_logged(caplog)


def test_with_a_mail_server_no_link_is_logged_sent_or_failed(app, admin, org, inbox, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("app").debug("listening")
    admin.post("/org/people/new", data={"name": "Mila", "email": "mila@example.com",
                                        "department_id": org["sales"].id})
    forgot(app.test_client(), "employee@example.com")
    assert len(inbox) == 2
    app.config.update(MAIL_PORT=1)  # nothing listens there: sending fails
    shown = page_text(admin.post("/org/people/new", data={"name": "Noa", "email": "noa@example.com",
                                                          "department_id": org["sales"].id}))
    assert LINK.search(shown)  # the admin gets it on screen instead
    forgot(app.test_client(), "head.finance@example.com")
    failures = [r for r in app_records(caplog) if "failed" in r.getMessage()]
    assert len(failures) == 2 and "head.finance@example.com" in failures[1].getMessage()
    assert_no_link_logged(caplog)
    tokens = [LINK.search(m.get_payload(decode=True).decode()).group(1) for m in inbox] + LINK.findall(shown)
    logged = " ".join(r.getMessage() + (r.exc_text or "") for r in app_records(caplog))
    assert len(tokens) == 3 and not any(token in logged for token in tokens)


# The reset mail leaves after the answer -----------------------------------------------------------

class _Witness:
    """An SMTP server's handler that notes, as each message arrives, the links the database holds then."""

    def __init__(self, uri: str):
        self.engine = sa.create_engine(uri.replace("postgresql://", "postgresql+psycopg://", 1))
        self.seen = []

    async def handle_DATA(self, server, session, envelope):
        with self.engine.connect() as connection:
            stored = connection.scalar(sa.select(sa.func.count()).select_from(OneTimeLink))
        self.seen.append((envelope.rcpt_tos, stored, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def witness(app, database_uri):
    handler = _Witness(database_uri)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield handler.seen
    controller.stop()
    handler.engine.dispose()


def test_the_reset_mail_leaves_after_the_answer_and_after_the_link_is_stored(app, client, org, witness):
    response = client.post("/forgot", data={"email": "employee@example.com"})
    assert response.status_code == 303 and response.get_data() == response.get_data()  # the whole answer
    assert witness == [] and count(OneTimeLink) == 0  # nothing done about the address yet
    response.close()  # the server has sent the answer
    [(to, links_stored, content)] = witness
    assert to == ["employee@example.com"] and links_stored == 1
    assert works(app, LINK.search(content).group(1))


def test_a_known_and_an_unknown_address_do_the_same_work_in_the_request(client, org, witness):
    client.refresh_token()
    answers = {}
    for email in ("employee@example.com", "nobody@example.com"):
        with count_statements() as statements:
            response = client.post("/forgot", data={"email": email})
            response.get_data()
        answers[email] = (response.status_code, response.headers["Location"], statements)
        response.close()
    assert answers["employee@example.com"] == answers["nobody@example.com"]
    assert [to for to, _stored, _content in witness] == [["employee@example.com"]]


def test_with_a_mail_server_the_forgot_page_offers_to_mail_a_link(client, org, inbox):
    page = page_text(client.get("/forgot"))
    assert 'name="email"' in page and "we will send a link" in page
    assert "No e-mail is sent" not in page


@pytest.mark.parametrize("mail", [True, False])
def test_a_used_link_says_where_a_new_one_comes_from(app, client, org, mail):
    if mail:
        app.config.update(MAIL_SERVER="127.0.0.1")
    page = page_text(client.get("/password/not-a-token"))
    assert "This link no longer works" in page
    assert ("request a new password" in page) is mail  # only where a reset link can be mailed
    assert ('href="/forgot"' in page) is mail
    assert "Ask your administrator" in page
