"""Delivering invitation and password-reset links: by mail when configured, else shown and logged."""
import smtplib

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.services import issue_link
from app.web.links import external_url
from app.web.mail import mail_configured, send_mail


def deliver_link(user, purpose: str, show: bool = True) -> str | None:
    """Issue a link; return its URL when it must be shown to the admin (no mail server)."""
    url = external_url("auth.set_password", token=issue_link(user, purpose))
    hours = current_app.config["INVITE_LINK_HOURS" if purpose == "invite" else "RESET_LINK_HOURS"]
    if mail_configured():
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
            return None
        except (OSError, smtplib.SMTPException):
            current_app.logger.exception("Mail to %s failed; showing the link instead", user.email)
    current_app.logger.warning("No mail server: %s link for %s: %s", purpose, user.email, url)
    return url if show else None
