"""Notices through the outbox: written with the change, sent by the tick on each channel the person chose
(a real SMTP server, a local chat webhook), in their language, once, with retries that give up."""
import json
import logging
import threading
from datetime import timedelta
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from app.cli import tick
from app.extensions import db
from app.notices import services as notices
from app.notices.models import Notice
from app.ratings import services
from app.time import utcnow
from tests.factories import PASSWORD, count, in_parallel, make_user
from tests.ratings.test_schedule import CLOSES, OPENS, at, draft
from tests.ratings.test_schedule import company as company  # noqa: F401 (a fixture)
from tests.ratings.test_services import person, rate, same_scores


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args):
        pass


@pytest.fixture
def chat():
    """A local chat service's incoming webhook: records every JSON post; answers `status`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received, server.status = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_a_round_that_opens_mails_each_person_once_in_their_language(company, inbox):
    seller_ru = person(company["sales"], language="ru")
    db.session.commit()
    round_id = draft(company).id
    lines = tick(at(OPENS))
    assert lines == ["Opened Winter", "Notices: 3 sent, 0 failed"]
    assert sorted(m["To"] for m in inbox) == sorted(
        [company["facilitator"].email, company["seller"].email, seller_ru.email])
    for message in inbox:
        assert f"http://localhost/rounds/{round_id}/rate" in body(message)
        assert "Winter" in subject(message)  # the date in the person's language (its msgid awaits Russian)
        assert ("января 2027" if message["To"] == seller_ru.email else "January 26, 2027") in body(message)
    assert tick(at(OPENS, 0, 1)) == [] and len(inbox) == 3  # nothing twice
    assert count(Notice, Notice.state == "sent") == 3


def test_a_round_opening_on_the_clock_sends_its_notices_in_the_same_tick(company, inbox):
    """As in the demo: no `now` given, so the notices are written after the moment the tick started."""
    today = utcnow().date()
    draft(company, opens=today, closes=today + timedelta(days=14))
    assert tick() == ["Opened Winter", "Notices: 2 sent, 0 failed"]
    assert len(inbox) == 2


def test_chat_webhooks_receive_slack_and_teams_json(app, company, chat):
    slack, teams = company["seller"], company["facilitator"]
    slack.notify_by_email, slack.chat_webhook = False, f"{chat.url}/slack"
    teams.notify_by_email, teams.chat_webhook, teams.chat_format = False, f"{chat.url}/teams", "teams"
    app.config["BASE_URL"] = "https://tz.example.com"
    round_id = draft(company).id
    assert tick(at(OPENS)) == ["Opened Winter", "Notices: 2 sent, 0 failed"]
    posts = {path: (kind, payload) for path, kind, payload in chat.received}
    assert len(chat.received) == 2 and {kind for kind, _p in posts.values()} == {"application/json"}
    link = f"https://tz.example.com/rounds/{round_id}/rate"
    assert posts["/slack"][1]["text"].startswith("*Winter is open") and link in posts["/slack"][1]["text"]
    card = posts["/teams"][1]["attachments"][0]
    assert posts["/teams"][1]["type"] == "message"
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard" and card["content"]["actions"][0]["url"] == link
    assert "Winter is open" in card["content"]["body"][0]["text"]


def test_a_failing_channel_is_tried_again_later_and_then_given_up(app, company, chat, caplog):
    chat.status = 500
    seller = company["seller"]
    seller.notify_by_email, seller.chat_webhook = False, f"{chat.url}/secret-token-123"
    round_ = draft(company)
    services.open_round(company["facilitator"], round_)
    db.session.query(Notice).filter(Notice.user_id != seller.id).delete()
    db.session.commit()
    now = at(OPENS)
    waits = []
    with caplog.at_level(logging.WARNING):
        for attempt in range(1, notices.MAX_ATTEMPTS + 1):
            outcome = notices.send_due(now)
            notice = db.session.scalar(sa.select(Notice))
            assert notice.attempts == attempt and len(chat.received) == attempt
            if attempt < notices.MAX_ATTEMPTS:
                assert (outcome.sent, outcome.failed, notice.state) == (0, 0, "pending")
                waits.append(notice.next_attempt_at - now)
                assert notices.send_due(notice.next_attempt_at - timedelta(seconds=1)).failed == 0
                assert len(chat.received) == attempt  # not before its time
                now = notice.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 5, 25, 125, 625)]
    assert (outcome.failed, notice.state) == (1, "failed")
    assert "HTTPError" in notice.last_error and "secret-token" not in notice.last_error
    assert "given up after 6 attempts" in caplog.text and "secret-token" not in caplog.text
    assert notices.send_due(now + timedelta(days=30)).failed == 0 and len(chat.received) == 6


def test_two_senders_at_once_send_each_notice_once(app, company, inbox):
    for _ in range(8):
        person(company["sales"])
    round_ = draft(company)
    services.open_round(company["facilitator"], round_)
    db.session.commit()
    outcomes = in_parallel(app, 3, lambda _i: notices.send_due(at(OPENS)))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.sent for o in outcomes) == 10 == len(inbox)
    assert len({m["To"] for m in inbox}) == 10


def test_two_ticks_at_once_send_each_notice_once(app, company, inbox):
    draft(company)
    outcomes = in_parallel(app, 3, lambda _i: tick(at(OPENS)))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(inbox) == 2 and count(Notice, Notice.state == "sent") == 2


def test_a_sender_killed_midway_loses_nothing_and_resends_nothing(app, company, inbox, monkeypatch):
    for _ in range(2):
        person(company["sales"])
    services.open_round(company["facilitator"], draft(company))
    db.session.commit()
    real_send, sent = notices.send_mail, []

    def killed_at_the_third(*args):
        if len(sent) == 2:
            raise SystemExit("killed")
        sent.append(args[0])
        real_send(*args)

    monkeypatch.setattr(notices, "send_mail", killed_at_the_third)
    with pytest.raises(SystemExit):
        notices.send_due(at(OPENS))
    db.session.rollback()
    monkeypatch.setattr(notices, "send_mail", real_send)
    assert notices.send_due(at(OPENS)).sent == 1  # the one not claimed yet
    assert notices.send_due(at(OPENS, 0, 1)).sent == 1  # the one claimed when killed, after its wait
    assert len(inbox) == 4 and len({m["To"] for m in inbox}) == 4


def test_results_go_to_heads_and_raters_and_no_notice_holds_an_answer(app, company, inbox):
    finance, sales = company["finance"], company["sales"]
    head = make_user("head@example.com", "Hana Head", finance, head_of=[finance])
    raters = [company["seller"]] + [person(sales) for _ in range(3)]
    idle = person(sales)
    db.session.commit()
    round_ = draft(company)
    services.open_round(company["facilitator"], round_)
    db.session.commit()
    for rater in raters:
        rate(rater, round_, f"d{finance.id}", same_scores(round_, 2), "invoices vanish in a drawer")
    services.close_round(company["facilitator"], round_)
    services.publish_round(company["facilitator"], round_)
    db.session.commit()
    told = dict(db.session.execute(sa.select(Notice.user_id, Notice.link).where(
        Notice.kind.in_(("results_for_head", "results_for_rater")))).all())
    assert told == {head.id: f"/results/{round_.id}/departments/{finance.id}",
                    **{rater.id: f"/you-said?round={round_.id}" for rater in raters}}  # what came of it
    assert idle.id not in told
    notices.send_due(at(CLOSES + timedelta(days=1)))
    texts = " ".join(subject(m) + body(m) for m in inbox)
    assert "are published" in texts and "drawer" not in texts
    for parameters in db.session.scalars(sa.select(Notice.parameters)):
        assert set(parameters) <= {"round_id", "round", "opens_on", "closes_on"}


def test_reminders_come_days_before_closing_once_a_day_beside_the_button(app, company, inbox):
    app.config["REMIND_DAYS_BEFORE"] = 3
    round_id = draft(company).id
    tick(at(OPENS))
    seller = company["seller"]
    reminders = sa.select(Notice.user_id, Notice.once_key).where(Notice.kind == "reminder")
    assert tick(at(CLOSES - timedelta(days=4))) == []
    assert tick(at(CLOSES - timedelta(days=3), 6)) == ["Reminded Winter: 2 people",
                                                       "Notices: 2 sent, 0 failed"]
    assert tick(at(CLOSES - timedelta(days=3), 18)) == []  # at most one a day
    round_ = db.session.get(services.Round, round_id)
    assert services.remind(round_, [seller], at(CLOSES - timedelta(days=3)).date()) == 0  # the button too
    assert tick(at(CLOSES - timedelta(days=2))) == []
    rate(seller, round_, "self", same_scores(round_, 3))
    rate(seller, round_, "company", same_scores(round_, 3))
    rate(seller, round_, f"d{company['finance'].id}", same_scores(round_, 3))
    assert tick(at(CLOSES - timedelta(days=1))) == ["Reminded Winter: 1 person", "Notices: 1 sent, 0 failed"]
    day_before = f"reminder:{round_id}:{(CLOSES - timedelta(days=1)).isoformat()}"
    assert db.session.execute(reminders.where(Notice.once_key == day_before)).all() == [
        (company["facilitator"].id, day_before)]
    assert len(inbox) == 2 + 2 + 1


def test_a_person_chooses_their_channels_on_the_account_page(app, client, company):
    facilitator = company["facilitator"]
    client.sign_in(facilitator.email, PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert "E-mail me notices" in page and 'name="notify_by_email"' in page and "checked" in page
    response = client.post("/account/notices", data={"chat_webhook": "http://chat.example.com/hook",
                                                      "chat_format": "teams"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    db.session.refresh(facilitator)
    assert (facilitator.notify_by_email, facilitator.chat_webhook, facilitator.chat_format) == (
        False, "http://chat.example.com/hook", "teams")
    app.config["TESTING"] = False  # as in production: only https
    try:
        refused = client.post("/account/notices", data={"notify_by_email": "y", "chat_format": "slack",
                                                         "chat_webhook": "http://chat.example.com/hook"})
    finally:
        app.config["TESTING"] = True
    assert refused.status_code == 200 and "must start with https://" in refused.get_data(as_text=True)
    client.post("/account/notices", data={"notify_by_email": "y", "chat_format": "slack",
                                          "chat_webhook": ""})
    db.session.refresh(facilitator)
    assert (facilitator.notify_by_email, facilitator.chat_webhook) == (True, None)
