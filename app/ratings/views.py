"""Pages of rating rounds: facilitators run rounds; employees rate the departments that serve them."""
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app.audit.services import record
from app.database import erase_deleted_rows
from app.extensions import db
from app.org import services as org_services
from app.ratings import policies, services
from app.ratings.forms import CADENCE_LABELS, RoundForm, rating_form
from app.ratings.models import Round
from app.time import utcnow
from app.web.authz import requires
from app.web.changes import committed
from app.web.confirm import confirmation, confirmed
from app.web.htmx import redirect_to, render
from app.web.ids import id_arg
from app.web.mail import mail_configured

bp = Blueprint("ratings", __name__, url_prefix="/rounds")


# Running rounds (facilitators) -------------------------------------------------------------------

def _progress(round_: Round) -> tuple[int, int] | None:
    """(finished, members) over the round's departments; nothing to show for a draft."""
    return None if round_.state == "draft" else services.finished_and_members(round_)


def _progress_of(rounds: list[Round]) -> dict[int, tuple[int, int] | None]:
    """`_progress` of every round in the list; the ended ones counted together, as the list grows with
    every round ever run."""
    ended = services.finished_of_ended(rounds)
    return {r.id: ended.get(r.id, (0, 0)) if r.state in ("closed", "published") else _progress(r)
            for r in rounds}


@bp.get("")
@requires(policies.can_run_rounds)
def index():
    rounds = list(db.session.scalars(sa.select(Round).options(selectinload(Round.departments))
                                     .order_by(Round.created_at.desc(), Round.id.desc())))
    return render("ratings/index.html", rounds=rounds, progress=_progress_of(rounds))


def _round_form(round_: Round | None, last: Round | None, locked: bool) -> RoundForm:
    """The round's form; a new round's starts from the last round's departments and threshold."""
    form = RoundForm(obj=round_)
    departments = org_services.departments()
    form.department_ids.choices = [SelectChoice(d.id, d.name) for d in departments]
    if not form.is_submitted():
        if round_ is None:
            today = utcnow().date()
            form.opens_on.data, form.closes_on.data = today, today + timedelta(days=14)
            tick = request.args.get("tick")  # the checklist's links, without JavaScript
            if tick in ("all", "none"):
                form.department_ids.data = [d.id for d in departments] if tick == "all" else []
            else:  # like the last round; none before the first, rather than every department unasked
                form.department_ids.data = [d.id for d in last.departments] if last else []
            if last:
                form.threshold.data = last.threshold
        else:
            form.department_ids.data = [d.id for d in round_.departments]
    elif locked:
        # Disabled fields are not sent: keep the round's own values, unless someone sent others
        # (then the service refuses, and says why).
        if not form.opens_on.raw_data:
            form.opens_on.data = round_.opens_on
        if not form.threshold.raw_data:
            form.threshold.data = round_.threshold
        if not form.department_ids.raw_data:
            form.department_ids.data = [d.id for d in round_.departments]
        if not form.cadence.raw_data:
            form.cadence.data = round_.cadence
    if locked:
        form.opens_on.render_kw = form.threshold.render_kw = form.cadence.render_kw = {"disabled": True}
    return form


def _save_round(round_: Round | None):
    last = services.latest_round() if round_ is None else None
    locked = round_ is not None and policies.fixed_fields_locked(round_)
    form = _round_form(round_, last, locked)
    problem = None
    valid = form.validate_on_submit()
    if form.is_submitted():  # the round's own rules too, so that every problem shows at once
        chosen = set(form.department_ids.data or ())
        departments = [d for d in org_services.departments() if d.id in chosen]
        for name, message in services.round_problems(form.name.data, form.opens_on.data, form.closes_on.data,
                                                    form.threshold.data, departments).items():
            if not form[name].errors:
                form[name].errors = [*form[name].errors, message]
                valid = False
    if valid:
        try:
            saved = services.save_round(current_user, round_, form.name.data, form.opens_on.data,
                                        form.closes_on.data, form.threshold.data, departments,
                                        form.publish_when_closed.data)
            services.set_cadence(current_user, saved, form.cadence.data)
        except services.RatingError as error:
            db.session.rollback()
            problem = str(error)
        else:
            db.session.commit()
            flash(_("Round %(name)s saved.", name=saved.name), "success")
            return redirect_to(url_for("ratings.detail", round_id=saved.id))
    return render("ratings/round_form.html", form=form, round_=round_, problem=problem, locked=locked,
                  last_round=last)


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.can_run_rounds)
def new():
    return _save_round(None)


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@requires(policies.can_run_rounds)
def edit(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    if not policies.can_edit(round_):
        flash(_("A closed round cannot be changed."), "error")
        return redirect_to(url_for("ratings.detail", round_id=round_.id))
    return _save_round(round_)


@bp.get("/<int:round_id>")
@requires(policies.can_run_rounds)
def detail(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    waiting = len(services.people_to_remind(round_))  # nobody outside an open round
    return render("ratings/detail.html", round_=round_, rates=services.response_rates(round_),
                  progress=_progress(round_), steps=policies.next_steps(round_), waiting=waiting,
                  editable=policies.can_edit(round_), today=utcnow().date(), cadences=CADENCE_LABELS)


# What a facilitator is asked before the steps that cannot be undone: title, consequence, button.
CONFIRM = {
    "close": lambda round_: (
        _("Close %(round)s?", round=round_.name),
        _("Every waiting ballot is counted now and answering ends: nobody can answer %(round)s after.",
          round=round_.name),
        _("Close the round")),
    "publish": lambda round_: (
        _("Publish the results of %(round)s?", round=round_.name),
        _("Heads and facilitators will read the results of %(round)s; published results stay published.",
          round=round_.name),
        _("Publish the results")),
}

# Each step: the service that takes it, and what the facilitator is told once it is taken.
STEP_SERVICES = {
    "open": (services.open_round, lambda: _("The round is open: its people can answer now.")),
    "close": (services.close_round, lambda: _("The round is closed: nobody can answer any more.")),
    "publish": (services.publish_round,
                lambda: _("The results are published: heads and facilitators can read them.")),
}


@bp.post("/<int:round_id>/<any(open,close,publish):action>")
@requires(policies.can_run_rounds)
def move(round_id: int, action: str):
    round_ = db.get_or_404(Round, round_id)
    if action in CONFIRM and not confirmed():
        return confirmation(*CONFIRM[action](round_), back=url_for("ratings.detail", round_id=round_id))
    change, done = STEP_SERVICES[action]
    if committed(change, round_, refused=services.RatingError):
        if action == "close":
            erase_deleted_rows()  # the ballots folded at closing must not linger in the database files
        flash(done(), "success")
    return redirect_to(url_for("ratings.detail", round_id=round_id))


@bp.post("/<int:round_id>/confirm")
@requires(policies.can_run_rounds)
def confirm(round_id: int):
    """A facilitator confirms the round the schedule prepared, after checking it."""
    round_ = db.get_or_404(Round, round_id)
    if committed(services.confirm_round, round_, refused=services.RatingError):
        flash(_("The round is confirmed: it opens on its date, or when you open it."), "success")
    return redirect_to(url_for("ratings.detail", round_id=round_id))


@bp.post("/<int:round_id>/remind")
@requires(policies.can_run_rounds)
def remind(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    back = url_for("ratings.detail", round_id=round_.id)
    if round_.state != "open":
        flash(_("Only people in an open round can be reminded."), "error")
        return redirect_to(back)
    people = services.people_to_remind(round_)
    if not people:
        flash(_("Everyone has finished: there is nobody to remind."), "info")
        return redirect_to(back)
    # The reminders go through the outbox (`flask tick` sends them), never from inside this request.
    reminded = services.remind(round_, people, utcnow().date())
    record(current_user, "round.remind", round_, f"{len(people)} people")  # only how many, in the log
    db.session.commit()
    if not mail_configured():
        return render("ratings/remind.html", round_=round_, people=people)
    if reminded:
        flash(ngettext("%(num)d reminder will be sent within a minute.",
                       "%(num)d reminders will be sent within a minute.", reminded), "success")
    else:
        flash(_("Everyone who has not finished was reminded of this round today already."), "info")
    return redirect_to(back)


# Rating (employees) ------------------------------------------------------------------------------

def _round_to_rate(round_id: int) -> Round:
    round_, taking_part = services.round_to_rate(current_user, round_id)
    if round_ is None:
        abort(404)
    if not policies.can_rate(current_user, taking_part):
        abort(403)
    return round_


def target_title(target) -> str:
    if target.kind == "company":
        return _("the company")
    if target.kind == "self":
        return _("your own department")
    return target.department.name


@bp.get("/<int:round_id>/rate")
@login_required
def rate(round_id: int):
    round_ = _round_to_rate(round_id)
    if not policies.is_answering(round_):
        return render("ratings/not_open.html", round_=round_)
    added = id_arg("add")
    if added is not None:  # the "add a department" form is a plain GET form
        return redirect(url_for("ratings.rate_target", round_id=round_.id, target_key=f"d{added}"), code=303)
    targets = services.targets_for(current_user, round_)
    listed = [t for t in targets if t.listed]
    return render("ratings/rate.html", "ratings/_targets.html", round_=round_, targets=targets,
                  done=sum(1 for t in listed if t.done), total=len(listed),
                  addable=services.addable_departments(current_user, round_, targets))


@bp.route("/<int:round_id>/rate/<target_key>", methods=["GET", "POST"])
@login_required
def rate_target(round_id: int, target_key: str):
    """The rating form of one target. Rating and skipping are posted here alike (a "skip" button), so that
    a web server's log cannot tell one from the other; both answer with the same redirect."""
    round_ = _round_to_rate(round_id)
    back = url_for("ratings.rate", round_id=round_.id)
    if not policies.is_answering(round_):  # a page says so for a GET, a message on the list for a POST
        if request.method != "POST":
            return render("ratings/not_open.html", round_=round_)
        flash(_("This round is not open: answers cannot be sent."), "error")
        return redirect_to(back)
    try:
        target = services.find_target(current_user, round_, target_key)
    except services.RatingError as error:
        flash(str(error), "error")
        return redirect_to(back)
    if target.done:
        if request.method == "POST" and "undo_skip" in request.form:
            return _undo_skip(round_, target)
        if request.method == "POST":
            flash(_("You have already answered for this one; answers are final."), "error")
            return redirect_to(back)
        return render("ratings/target_done.html", round_=round_, target=target,
                      skipped=services.was_skipped(current_user, round_, target))
    if request.method == "POST" and "skip" in request.form:  # CSRFProtect has checked the token already
        if not policies.can_skip(target):
            flash(_("Only a department on your list that you have not answered for can be skipped."), "error")
            return redirect_to(back)
        return _answer(round_, target, services.skip)
    promises = services.asked_promises(current_user, target)
    form = rating_form(services.asked_dimensions(round_), with_comment=target.kind == "service",
                       promises=tuple(p.id for p in promises))
    if not form.validate_on_submit():
        return render("ratings/rate_target.html", "ratings/_rating_form.html",
                      round_=round_, target=target, form=form, promises=promises)
    comment = form.comment.data if "comment" in form else ""
    return _answer(round_, target, services.submit, form.scores(), comment, form.kept())


def _undo_skip(round_: Round, target):
    if not committed(services.undo_skip, round_, target, refused=services.RatingError):
        return redirect_to(url_for("ratings.rate", round_id=round_.id))
    flash(_("The skip is undone: rate %(target)s now, or skip it again.", target=target_title(target)),
          "success")
    return redirect_to(url_for("ratings.rate_target", round_id=round_.id, target_key=target.key))


def _answer(round_: Round, target, answer, *scores_and_comment):
    back = url_for("ratings.rate", round_id=round_.id)
    try:
        code = answer(current_user, round_, target, *scores_and_comment)
    except services.RatingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        # One message for both, with a code of one length: its length, in the cookie and on the next page,
        # must not tell them apart. The code is shown this once and kept nowhere (only its hash, sealed).
        # Worded (as `back` was) before the commit, which expires what it names: reading it again after
        # would open a second transaction, on SQLite one that queues for the write lock.
        thanks = _("Thank you — %(target)s is ticked off your list. If you wrote a comment, this code lets "
                   "you alone read the department's reply and answer it once: %(code)s. Keep it: it is shown "
                   "only now, and the app keeps only a fingerprint of it.", target=target_title(target),
                   code=code)
        db.session.commit()
        flash(thanks, "success")
    return redirect_to(back)
