"""Delivering invitation and password-reset links: by mail when a server is configured, else on the admin's
screen. A live link is never written to the log: whoever reads the log could take over the account."""
import smtplib

from flask import after_this_request, copy_current_request_context, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.audit.services import record
from app.auth.services import find_user_by_email, issue_link, new_links
from app.extensions import db
from app.web.links import external_url
from app.web.mail import mail_configured, send_mail


def _mail_link(user, purpose: str, url: str) -> bool:
    """Mail the link in the person's language; False (and the failure logged, not the link) if it failed."""
    hours = current_app.config["INVITE_LINK_HOURS" if purpose == "invite" else "RESET_LINK_HOURS"]
    with force_locale(user.language or "en"):
        if purpose == "invite":
            subject = _("You are invited to Trading Zone")
            body = _("Set your password here within %(hours)d hours:\n\n%(url)s", hours=hours, url=url)
        else:
            subject = _("Set a new Trading Zone password")
            body = _("Set a new password here within %(hours)d hours:\n\n%(url)s\n\n"
                     "If you did not ask for it, ignore this message.", hours=hours, url=url)
    try:
        send_mail(user.email, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("Mailing the %s link to %s failed: %s: %s", purpose, user.email,
                                 type(error).__name__, error)
        return False
    return True


def _deliver(user, purpose: str, token: str) -> str | None:
    url = external_url("auth.set_password", token=token)
    record(current_user, f"link.{purpose}", user)
    if mail_configured() and _mail_link(user, purpose, url):
        return None
    return url


def deliver_link(user, purpose: str) -> str | None:
    """For an admin's request: issue a link and mail it; return its URL when the admin must be shown it
    instead (no mail server, or the mail failed)."""
    return _deliver(user, purpose, issue_link(user, purpose))


def invite_new_people(users: list) -> list[tuple]:
    """deliver_link's invitations for people an import just created (they have no older links to end):
    (person, URL to show or None)."""
    return [(user, _deliver(user, "invite", token))
            for user, token in zip(users, new_links(users, "invite"), strict=True)]


def request_reset(email: str) -> None:
    """Someone asked for a reset link for `email`. Without a mail server nothing could deliver one, so none
    is issued (the page says to ask an administrator)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    record(None, "password.reset_request", user)
    if not mail_configured():
        db.session.commit()
        return
    url = external_url("auth.set_password", token=issue_link(user, "reset"))
    db.session.commit()  # the link works before the mail that carries it leaves
    _mail_link(user, "reset", url)


def request_reset_after_response(email: str) -> None:
    """Handle a reset request once this request's answer has been sent: looking the address up, the
    database and the mail server all come after it, so a known and an unknown address answer alike."""
    work = copy_current_request_context(lambda: request_reset(email))

    @after_this_request
    def when_sent(response):
        response.call_on_close(work)
        return response
