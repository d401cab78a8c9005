"""Pages of replies: a head replies under a comment on the scorecard; its author reads it with a code.

The author's pages never look at who is signed in (or whether anyone is), write no audit entry and no session
value of their own, and are never cached: the code is posted, never put in an address.
"""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.extensions import db
from app.org.models import Department
from app.ratings.models import Round
from app.replies import policies, services
from app.replies.forms import AnswerForm, CodeForm, ReplyForm, prefix, reply_forms
from app.replies.models import REPLY_KINDS, CommentReply
from app.web.htmx import redirect_to, render, wants_fragment
from app.web.memo import kept

bp = Blueprint("replies", __name__, url_prefix="/replies")


@bp.app_context_processor
def reply_words():
    return {"reply_kinds": REPLY_KINDS, "is_reply_released": services.is_released,
            "comment_section": comment_section}


def comment_section(round_: Round, department: Department) -> Markup:
    """A scorecard's released comments with their replies, and the heads' reply forms: asked for by the
    scorecard's template, as the results area sits below this one."""
    threads = services.threads(round_, department)
    forms = reply_forms(current_user, threads or [], department)

    def draw() -> Markup:
        return Markup(render_template("replies/_comments.html", threads=threads, round=round_,
                                      department=department, reply_forms=forms))

    if forms:  # they carry the reader's own CSRF token
        return draw()
    # Kept for readers without reply forms, under all the section shows: a reply shows from the day after.
    shown = None if threads is None else tuple(
        (t.comment.id, bool(t.comment.reply_key), t.answer,
         t.reply and (t.reply.kind, t.reply.text, services.is_released(t.reply.written_on)))
        for t in threads)
    key = (round_.id, department.id, department.name, shown, str(get_locale()))
    return kept("comment_sections", key, draw, size=256)


@bp.after_request
def never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# The author, by code ---------------------------------------------------------------------------------

def _page(found: services.Found | None = None, problem: str | None = None, answered: bool = False,
          code_form: CodeForm | None = None, answer_form: AnswerForm | None = None, http_status: int = 200):
    if found is not None and found.may_answer and answer_form is None:
        answer_form = AnswerForm(formdata=None, code=code_form.code.data if code_form else "")
    return render("replies/index.html", found=found, problem=problem, answered=answered,
                  form=code_form or CodeForm(formdata=None), answer_form=answer_form, http_status=http_status)


@bp.get("")
def index():
    return _page()


@bp.post("")
def read():
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(code_form=form, http_status=422)
    found = services.find(form.code.data)
    # One message for every code that opens nothing, whatever the reason.
    return _page(found, problem=None if found else _("No released comment has this code."), code_form=form)


@bp.post("/answer")
def answer():
    form = AnswerForm()
    code_form = CodeForm(formdata=None, code=form.code.data)
    if not form.validate_on_submit():
        found = services.find(form.code.data)
        return _page(found, problem=None if found else _("No released comment has this code."),
                     code_form=code_form, answer_form=form if found and found.may_answer else None,
                     http_status=422)
    try:
        found = services.answer(form.code.data, form.answer.data)
    except services.ReplyError as error:
        db.session.rollback()
        return _page(services.find(form.code.data), problem=str(error), code_form=code_form, http_status=409)
    db.session.commit()
    # The page itself, not a redirect: taking the code to another page needs the session or the address.
    return _page(found, answered=True, code_form=code_form)


# The head, on the scorecard --------------------------------------------------------------------------

@bp.post("/rounds/<int:round_id>/departments/<int:department_id>/comments/<comment_id>")
@login_required
def reply(round_id: int, department_id: int, comment_id: str):
    round_ = db.session.scalar(sa.select(Round).where(Round.id == round_id, Round.state == "published"))
    department = db.session.get(Department, department_id)
    if round_ is None or department is None:
        abort(404)
    if not policies.can_reply_to_comments(current_user, department):
        abort(403)
    comment = services.released_comment(round_, department, comment_id)
    if comment is None:
        abort(404)
    form = ReplyForm(prefix=prefix(comment.id))
    back = url_for("reports.scorecard", round_id=round_.id, department_id=department.id,
                   _anchor=f"comment-{comment.id}")
    if form.validate_on_submit():
        try:
            services.reply(current_user, round_, department, comment, form.kind.data, form.text.data)
        except services.ReplyError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect_to(back)
        db.session.commit()
        if not wants_fragment():
            flash(_("The reply is saved: it is released to its author tomorrow with the day's other "
                    "replies."), "success")
            return redirect_to(back)
        form = None
    thread = services.Thread(comment, db.session.get(CommentReply, comment.id))
    return render("replies/reply.html", "replies/_thread.html", round=round_, department=department,
                  thread=thread, form=form, saved=form is None, http_status=200 if form is None else 422)
