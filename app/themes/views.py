"""Pages of themes: admins correct the keywords of each theme and the theme of a single comment; a scorecard
shows what its released comments talk about."""
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.org.models import Department
from app.ratings.models import Round
from app.reports.gate import NotPublished, RoundResults
from app.themes import policies, services
from app.themes.engine import language_of
from app.themes.forms import MODEL, NO_THEME, ActionForm, CommentThemeForm, KeywordForm
from app.themes.models import ThemeKeyword
from app.web.authz import requires
from app.web.htmx import redirect_to, render
from app.web.memo import kept

bp = Blueprint("themes", __name__, url_prefix="/themes")


@bp.app_context_processor
def theme_words():
    return {"themes_section": themes_section}


def themes_section(round_: Round, department: Department) -> Markup:
    """'What the comments talk about' on a scorecard, below its kept body, and kept on its own: under what
    admins' keywords and corrections change, besides the language and the reader's link to correct it."""
    key = (round_.id, department.id, services.counts_depend_on(round_, department), str(get_locale()),
           policies.can_correct_comment_themes(current_user, department))
    return kept("themes_section", key, lambda: Markup(render_template(
        "themes/_counts.html", counts=services.theme_counts(round_, department), round=round_,
        department=department)), size=256)


# Keywords ---------------------------------------------------------------------------------------------

@bp.get("")
@requires(policies.can_manage_themes)
def index():
    return render("themes/index.html", subjects=services.subjects())


def _subject(kind: str, key: str) -> services.Subject:
    try:
        return services.subject_named(f"{kind}:{key}")
    except services.ThemeError:
        abort(404)


@bp.route("/<kind>/<key>", methods=["GET", "POST"])
@requires(policies.can_manage_themes)
def theme(kind: str, key: str):
    subject = _subject(kind, key)
    form = KeywordForm(theme=subject.key)
    if form.validate_on_submit():
        try:
            services.add_keyword(current_user, subject, form.word.data)
        except services.ThemeError as error:
            db.session.rollback()
            form.word.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Keyword “%(word)s” added.", word=form.word.data.strip().lower()), "success")
            return redirect_to(url_for("themes.theme", kind=kind, key=key))
    return render("themes/theme.html", subject=_subject(kind, key), form=form, action_form=ActionForm(),
                  language_of=language_of,
                  http_status=422 if form.errors else 200)


@bp.post("/keywords/<int:keyword_id>/remove")
@requires(policies.can_manage_themes)
def remove(keyword_id: int):
    keyword = db.session.get(ThemeKeyword, keyword_id)
    if keyword is None:  # removed a moment ago, as by a second click
        flash(_("That keyword is no longer there."), "info")
        return redirect_to(url_for("themes.index"))
    if not ActionForm().validate_on_submit():
        abort(400)
    theme = keyword.theme
    services.remove_keyword(current_user, keyword)
    db.session.commit()
    flash(_("Keyword “%(word)s” removed.", word=keyword.word), "success")
    return redirect_to(url_for("themes.theme", kind=theme.kind, key=theme.key))


# A single comment -------------------------------------------------------------------------------------

def _released(round_id: int, department_id: int):
    """The round, the department and its released comments, for an admin who may read them."""
    round_ = db.get_or_404(Round, round_id)
    department = db.get_or_404(Department, department_id)
    if not policies.can_correct_comment_themes(current_user, department):
        abort(403)
    try:
        return round_, department, RoundResults(round_).released_comments(department.id)
    except NotPublished:
        abort(404)


def _comment_form(subjects, comment_id: str, formdata=None) -> CommentThemeForm:
    form = CommentThemeForm(formdata=formdata, prefix=f"c{comment_id}")
    form.theme.choices = [SelectChoice(MODEL, _("as the keywords find it")),
                          SelectChoice(NO_THEME, _("no theme"))]
    form.theme.choices += [SelectChoice(s.key, s.name) for s in subjects]
    return form


def _comments_page(round_, department, released, problem: tuple[str, str] | None = None):
    subjects = services.subjects()
    by_id = {s.theme.id: s for s in subjects if s.theme is not None}
    return render("themes/comments.html", round=round_, department=department, comments=released,
                  found=services.themes_of(released, by_id), by_id=by_id,
                  forms={c.id: _comment_form(subjects, c.id) for c in released}, problem=problem,
                  http_status=422 if problem else 200)


@bp.get("/comments/<int:round_id>/<int:department_id>")
@login_required
def comments(round_id: int, department_id: int):
    return _comments_page(*_released(round_id, department_id))


@bp.post("/comments/<int:round_id>/<int:department_id>/<comment_id>")
@login_required
def correct(round_id: int, department_id: int, comment_id: str):
    round_, department, released = _released(round_id, department_id)
    comment = next((c for c in released if c.id == comment_id), None) or abort(404)
    form = _comment_form(services.subjects(), comment.id, request.form)
    if not form.validate_on_submit():
        return _comments_page(round_, department, released,
                              (comment.id, " ".join(e for errors in form.errors.values() for e in errors)))
    choice = form.theme.data
    try:
        subject = None if choice in (MODEL, NO_THEME) else services.subject_named(choice)
        services.correct_comment(current_user, comment, subject, back_to_model=choice == MODEL)
    except services.ThemeError as error:
        db.session.rollback()
        return _comments_page(round_, department, released, (comment.id, str(error)))
    db.session.commit()
    flash(_("The comment's theme is saved."), "success")
    return redirect_to(url_for("themes.comments", round_id=round_id, department_id=department_id)
                       + f"#comment-{comment.id}")
