"""Notices through an outbox: a change writes them in its own transaction (`enqueue`), and `flask tick` sends
what is due (`send_due`), each in the person's language at the time it goes, on the channels they chose."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import User
from app.extensions import db
from app.notices import channels
from app.notices.models import Notice
from app.time import utcnow
from app.web.links import absolute_url
from app.web.mail import mail_configured, send_mail

# Minutes to wait after each failed attempt; the attempt after the last of these is the last one.
BACKOFF_MINUTES = (1, 5, 25, 125, 625)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
BATCH = 200  # notices one tick sends at most; the rest wait for the next tick
_ROWS_A_STATEMENT = 500  # SQLite takes a limited number of values in one statement


def enqueue(kind: str, notes, once_key: str | None = None) -> int:
    """Write a notice of `kind` for each (user id, parameters, link path) in `notes`, in the caller's
    transaction. With `once_key`, a person who has a notice under that key already gets no second one, even
    from a transaction running alongside. How many were written."""
    now = utcnow()
    rows = [{"user_id": user_id, "kind": kind, "parameters": parameters, "link": link, "once_key": once_key,
             "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for user_id, parameters, link in notes]
    table = Notice.__table__
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(table)
    # Counted by the ids written: on PostgreSQL the row count came back -1 for this statement.
    return sum(len(db.session.execute(insert.values(rows[start:start + _ROWS_A_STATEMENT])
                                      .on_conflict_do_nothing().returning(table.c.id)).all())
               for start in range(0, len(rows), _ROWS_A_STATEMENT))


# What each kind says. The parameters hold ids and names only; the person's name is read when it is sent.

def _day(iso: str) -> str:
    return format_date(date.fromisoformat(iso), "long")


def _round_opened(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("%(round)s is open: your ratings are welcome", round=p["round"]),
            _("Hello %(name)s,\n\nthe rating round %(round)s is open until %(date)s. Rate the departments "
              "that serve yours: your answers are anonymous.\n\n%(url)s",
              name=name, round=p["round"], date=_day(p["closes_on"]), url=url))


def _reminder(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("Reminder: %(round)s is waiting for your ratings", round=p["round"]),
            _("Hello %(name)s,\n\n"
              "the rating round %(round)s closes on %(date)s and your list is not finished yet. "
              "Your answers are anonymous.\n\n%(url)s",
              name=name, round=p["round"], date=_day(p["closes_on"]), url=url))


def _round_prepared(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("%(round)s is prepared: confirm it", round=p["round"]),
            _("Hello %(name)s,\n\nthe next rating round, %(round)s, was prepared from the last one, to open "
              "on %(date)s. Check its departments and dates, then confirm it: until then it does not open."
              "\n\n%(url)s", name=name, round=p["round"], date=_day(p["opens_on"]), url=url))


def _results_for_head(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("The results of %(round)s are published", round=p["round"]),
            _("Hello %(name)s,\n\nthe results of the rating round %(round)s are published: see how the "
              "departments yours serves rated it, and what they wrote.\n\n%(url)s",
              name=name, round=p["round"], url=url))


def _results_for_rater(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("The results of %(round)s are published", round=p["round"]),
            _("Hello %(name)s,\n\nthe results of the rating round %(round)s are published. Thank you for "
              "taking part: the heads of the departments rated can now read what everyone said, and act "
              "on it.\n\n%(url)s", name=name, round=p["round"], url=url))


def _check_in_due(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("Check-in due: %(project)s", project=p["project"]),
            _("Hello %(name)s,\n\nthe project %(project)s has had no check-in since %(date)s. Say what was "
              "done and whether it is on track.\n\n%(url)s",
              name=name, project=p["project"], date=_day(p["since"]), url=url))


def _digest_lines(p: dict) -> list[str]:
    """The digest's parts that have something in them: a heading, then a line an item with its link."""
    parts = (
        ("stale", _("Check-ins due"), lambda i: _("%(project)s: no check-in since %(date)s",
                                                  project=i["project"], date=_day(i["since"]))),
        ("off_track", _("Off track at the last check-in"), lambda i: i["project"]),
        ("overdue", _("Overdue tasks"), lambda i: ngettext(
            "%(project)s: %(num)d task overdue", "%(project)s: %(num)d tasks overdue", i["tasks"],
            project=i["project"])),
        ("metrics", _("Metrics without a fresh reading"), lambda i: _(
            "%(metric)s: last reading %(date)s", metric=i["metric"], date=_day(i["last"])) if i["last"]
            else _("%(metric)s: no readings yet", metric=i["metric"])),
    )
    lines = []
    for key, heading, text in parts:
        if p[key]:
            lines += ["", heading + ":", *(f"- {text(i)}: {absolute_url(i['path'])}" for i in p[key])]
    return lines


def _digest(p: dict, name: str, url: str) -> tuple[str, str]:
    return (_("Your week in Trading Zone: %(week)s", week=p["week"]),
            "\n".join([_("Hello %(name)s,\n\nwhat needs a look this week, among the projects and metrics "
                          "you follow:", name=name), *_digest_lines(p), "", url]))


TEXTS = {"round_opened": _round_opened, "reminder": _reminder, "round_prepared": _round_prepared,
         "results_for_head": _results_for_head, "results_for_rater": _results_for_rater,
         "check_in_due": _check_in_due, "digest": _digest}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str  # ends with the link
    url: str
    open_label: str


def write(notice: Notice, user: User) -> Message:
    """The notice's text in the person's language, with an absolute link to the page it speaks of."""
    url = absolute_url(notice.link)
    with force_locale(user.language or "en"):
        subject, body = TEXTS[notice.kind](notice.parameters, user.name, url)
        return Message(subject, body, url, _("Open in Trading Zone"))


# Sending --------------------------------------------------------------------------------------------

@dataclass
class Sent:
    sent: int = 0
    failed: int = 0  # given up after MAX_ATTEMPTS
    unreachable: int = 0  # the person chose no channel that works here (e-mail off or no mail server)

    def __str__(self) -> str:
        return f"Notices: {self.sent} sent, {self.failed} failed"


def send_due(now: datetime) -> Sent:
    """Send the pending notices whose time has come, oldest first, at most BATCH. Each is committed on its
    own: a tick killed midway loses none and sends none again that it had marked sent. Safe to run twice at
    once: each notice is claimed by one run before it is sent."""
    due = list(db.session.scalars(sa.select(Notice.id).where(
        Notice.state == "pending", Notice.next_attempt_at <= now).order_by(Notice.id).limit(BATCH)))
    db.session.commit()
    outcome = Sent()
    for notice_id in due:
        state = _send_one(notice_id, now)
        if state:
            setattr(outcome, state, getattr(outcome, state) + 1)
    if outcome.unreachable:
        current_app.logger.info("%d notices reached nobody: e-mail off or no mail server, and no chat "
                                "webhook", outcome.unreachable)
    return outcome


def _claim(notice_id: int, now: datetime) -> Notice | None:
    """The notice, taken for one attempt (counted, and its next attempt set as if this one fails), or None
    when another run took it first. One conditional statement decides, as for the tick's lease."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.state != "pending" or notice.next_attempt_at > now:
        return None
    attempt = notice.attempts + 1
    retry_at = now + timedelta(minutes=BACKOFF_MINUTES[min(attempt, len(BACKOFF_MINUTES)) - 1])
    taken = db.session.execute(sa.update(Notice).where(
        Notice.id == notice_id, Notice.state == "pending", Notice.attempts == notice.attempts,
    ).values(attempts=attempt, next_attempt_at=retry_at).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not taken:
        return None
    db.session.refresh(notice)
    return notice


def _send_one(notice_id: int, now: datetime) -> str | None:
    """One attempt at one notice: "sent", "failed" (given up), "unreachable" (no channel: failed at once),
    or None when it is left for a later attempt or was not this run's to send."""
    notice = _claim(notice_id, now)
    if notice is None:
        db.session.rollback()
        return None
    user, message = notice.user, write(notice, notice.user)
    ways = _ways(user, message)
    attempt, kind, user_id, webhook = notice.attempts, notice.kind, notice.user_id, user.chat_webhook or "\0"
    db.session.commit()  # claimed; nothing is held while the channels take their time
    errors, delivered = [], False
    for channel, deliver in ways:
        try:
            deliver()
            delivered = True
        except (OSError, ValueError) as error:  # SMTP's errors and urllib's are OSErrors; a bad address too
            # The webhook's address is a secret: kept out of the row, and the log names the error only.
            errors.append(f"{channel}: {type(error).__name__}: {error}".replace(webhook, "<webhook>"))
            current_app.logger.warning("Notice %d (%s) to person %d failed by %s on attempt %d: %s",
                                       notice_id, kind, user_id, channel, attempt, type(error).__name__)
    if delivered:  # a channel that failed beside one that worked is not tried again: nothing goes twice
        values = {"state": "sent", "sent_at": utcnow(), "last_error": "; ".join(errors)[:200] or None}
    elif not ways:
        values = {"state": "failed", "last_error": "no channel: e-mail off or no mail server, and no chat"}
    else:
        values = {"state": "failed" if attempt >= MAX_ATTEMPTS else "pending",
                  "last_error": "; ".join(errors)[:200]}
    db.session.execute(sa.update(Notice).where(Notice.id == notice_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    if not ways:
        return "unreachable"
    if values["state"] == "failed":
        current_app.logger.warning("Notice %d (%s) to person %d was given up after %d attempts",
                                   notice_id, kind, user_id, attempt)
    return None if values["state"] == "pending" else values["state"]


def _ways(user: User, message: Message) -> list[tuple[str, object]]:
    """(channel, what sends it) for each channel the person chose that can be used now."""
    ways = []
    if user.active and user.notify_by_email and mail_configured():
        email = user.email
        ways.append(("e-mail", lambda: send_mail(email, message.subject, message.body)))
    if user.active and user.chat_webhook:
        payload = (channels.teams_payload(message.subject, message.body, message.url, message.open_label)
                   if user.chat_format == "teams" else channels.slack_payload(message.subject, message.body))
        webhook = user.chat_webhook
        ways.append(("chat", lambda: channels.by_chat(webhook, payload)))
    return ways


# Each person's choice --------------------------------------------------------------------------------

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def webhook_problem(url: str) -> str | None:
    """Why this chat webhook cannot be used, or None. Plain http only for development, tests and an
    installation that itself runs on this machine: elsewhere the address (a secret) would travel in clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Give the webhook's whole address, starting with https://.")
    local = (current_app.testing or current_app.debug
             or urlsplit(current_app.config["BASE_URL"] or "").hostname in LOCAL_HOSTS)
    if parts.scheme == "http" and not local:
        return _("The webhook's address must start with https://.")
    return None


def save_choices(user: User, by_email: bool, chat_webhook: str, chat_format: str) -> None:
    user.notify_by_email = by_email
    user.chat_webhook = chat_webhook.strip() or None
    user.chat_format = chat_format
    db.session.flush()
