"""Each person's choice of how notices reach them (shown on their account page)."""
from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.notices import services
from app.notices.forms import NoticeChoicesForm
from app.web.htmx import redirect_to, render

bp = Blueprint("notices", __name__)


def choices_form() -> NoticeChoicesForm:
    """The form as the person's choices stand, for the account page (never filled from its other forms)."""
    return NoticeChoicesForm(formdata=None, obj=current_user)


@bp.route("/account/notices", methods=["GET", "POST"])
@login_required
def choices():
    form = NoticeChoicesForm(obj=current_user)
    if form.validate_on_submit():
        services.save_choices(current_user, form.notify_by_email.data, form.chat_webhook.data or "",
                              form.chat_format.data)
        db.session.commit()
        flash(_("Your choice of notices is saved."), "success")
        return redirect_to(url_for("auth.account"))
    return render("notices/choices.html", notice_form=form)
