"""Published results: department scorecards, the company view, the service matrix, CSV exports."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.extensions import db
from app.org.models import Department
from app.org.policies import can_act_for
from app.ratings.models import Round
from app.reports import charts, policies, results
from app.reports.gate import OVERALL, RoundResults
from app.reports.results import mean_of
from app.versions import names_version
from app.web import spreadsheet
from app.web.authz import requires
from app.web.htmx import render
from app.web.ids import page_arg
from app.web.memo import kept
from app.web.numbers import percent

bp = Blueprint("reports", __name__, url_prefix="/results")

# The service matrix's tensions link to writing an agreement (app.agreements) for those who may. Agreements
# sit above reports: they register, under this name in the app's extensions, their policy's answer to
# "which of these departments may this person write agreements for?" as a function (user, department ids)
# -> frozenset of ids, the very answer the matrix's template asks of each tension.
AGREEMENT_SIDES = "agreement_sides"


@bp.context_processor
def formatting():
    return {"fmt": results.format_mean, "band": results.band, "bands": results.BANDS,
            "percent": percent, "noise_effect": results.noise_effect,
            "company_tables": results.COMPANY_TABLES, "matrix_tables": results.MATRIX_TABLES,
            "scorecard_tables": results.SCORECARD_TABLES}


@bp.app_context_processor
def intervals():
    """For reports/_macros.html's `mean`, which other areas' pages use too."""
    return {"mean_interval": results.format_interval, "mean_with_interval": results.with_interval,
            "stated_level": results.stated_level}


def _published_round(round_id: int) -> Round:
    """Only published rounds have results; any other round is not there."""
    return db.first_or_404(sa.select(Round).where(Round.id == round_id, Round.state == "published"))


def _company_access(round_id: int) -> Round:
    round_ = _published_round(round_id)
    if not policies.can_view_company(current_user):
        abort(403)
    return round_


def _scorecard_access(round_id: int, department_id: int) -> tuple[Round, Department]:
    round_ = _published_round(round_id)
    department = db.session.get(Department, department_id)
    if department is None or not RoundResults(round_).took_part(department.id):
        abort(404)
    if not policies.can_view_scorecard(current_user, department):
        abort(403)
    return round_, department


def _viewable(round_: Round) -> list[Department]:
    viewable = policies.viewable_scorecards(current_user, [d.id for d in round_.departments])
    return [d for d in round_.departments if d.id in viewable]


# Pages -------------------------------------------------------------------------------------------

@bp.get("")
@requires(policies.can_view_company)
def index():
    rounds = results.published_rounds(newest_first=True, with_departments=True)
    return render("reports/index.html", entries=[(r, _viewable(r)) for r in rounds],
                  company=policies.can_view_company(current_user))


@bp.get("/methods")
@login_required
def methods():
    """How the intervals, "within noise" and "did it move?" are worked out, in plain words (docs/METHODS.md
    in full)."""
    return render_template("reports/methods.html")


@bp.get("/<int:round_id>")
@requires(policies.can_view_company)
def company(round_id: int):
    """The company view's first page: the heatmap and the company as its external clients see it."""
    return _company_page(_("Company view"), "reports/_company.html", round_id,
                         lambda view: {"criteria": _criteria_chart(view)}, links_scorecards=True)


@bp.get("/<int:round_id>/rates")
@requires(policies.can_view_company)
def rates(round_id: int):
    return _company_page(_("Response rates"), "reports/_rates.html", round_id, lambda view: {})


@bp.get("/<int:round_id>/trends")
@requires(policies.can_view_company)
def trends(round_id: int):
    return _company_page(_("Trends across rounds"), "reports/_trends.html", round_id,
                         lambda view: {"trends": _trend_lines(view)})


def _company_page(title: str, template: str, round_id: int, charts_of, links_scorecards: bool = False):
    """One page of the company view. Its parts are pages of their own (as the service matrix is): on a
    company of 200 departments the heatmap, the response rates and the trends made one page of 256 KB.
    Only the heatmap links each department to the scorecards its reader may open."""
    round_ = _company_access(round_id)
    scorecards = frozenset()
    if links_scorecards:
        scorecards = policies.viewable_scorecards(current_user, RoundResults(round_).taking_part)

    def context():
        view = results.company_view(round_)
        return {"view": view, "round": round_, "charts": charts_of(view), "scorecards": scorecards}

    body = _published_body(template, round_, context, scorecards)
    return render("reports/company.html", body=body, round=round_, title=title)


@bp.get("/<int:round_id>/matrix")
@requires(policies.can_view_company)
def matrix(round_id: int):
    round_ = _company_access(round_id)
    measure = results.parse_measure(round_, request.args.get("measure"))
    unknown = measure is None  # a hand-made address: say so, and show the overall mean instead
    shown = OVERALL if unknown else measure
    taking_part = RoundResults(round_).taking_part
    page, pages = page_arg(len(taking_part), results.MATRIX_PAGE)  # rated departments; the pairs stay whole
    # Its tensions link to writing an agreement for those who may: the policy's answer is part of the key.
    sides = current_app.extensions[AGREEMENT_SIDES](current_user, taking_part)

    def context():
        matrix = results.service_matrix(round_, shown)
        return {"matrix": matrix, "on_page": matrix.page(page), "page": page, "pages": pages, "round": round_,
                "unknown_measure": unknown}

    body = _published_body("reports/_matrix.html", round_, context, shown, unknown, sides, page)
    return render("reports/matrix.html", "reports/_body.html", body=body, round=round_, measure=str(shown),
                  measures=results.measures(round_))


@bp.get("/<int:round_id>/departments/<int:department_id>")
@requires(policies.can_view_company)
def scorecard(round_id: int, department_id: int):
    round_, department = _scorecard_access(round_id, department_id)
    comments_allowed = policies.can_read_comments(current_user, department)

    def context():
        card = results.scorecard(round_, department, comments_allowed)
        return {"card": card, "round": round_, "department": department, "charts": _scorecard_charts(card),
                "comments_allowed": comments_allowed}

    body = _published_body("reports/_scorecard.html", round_, context, department.id, comments_allowed,
                           can_act_for(current_user, department))
    return render("reports/scorecard.html", body=body, round=round_, department=department,
                  comments_allowed=comments_allowed)


def _published_body(template: str, round_: Round, context, *shown) -> Markup:
    """A results page's body, rendered once per process for everything that shapes it: on a company of 200
    departments the service matrix took seconds to render, the heatmap most of one (docs/BENCHMARKS.md,
    "Results pages' bodies, kept"). A published round's figures never change; what can — the names of
    departments and dimensions (their version), the reader's language, what this reader may open or do
    (`shown`) — is part of the key, so an edit shows at once."""
    key = (template, round_.id, round_.published_at, str(get_locale()), names_version(), *shown)
    return kept("results_pages", key, lambda: Markup(render_template(template, **context())), size=64)


# CSV: one table a file, the table named in the address (?table=…), the first by default ------------

@bp.get("/<int:round_id>/company.csv")
@requires(policies.can_view_company)
def company_csv(round_id: int):
    round_ = _company_access(round_id)
    tables = results.company_tables(results.company_view(round_))
    return spreadsheet.download(tables, request.args.get("table"), f"round-{round_.id}-company")


@bp.get("/<int:round_id>/matrix.csv")
@requires(policies.can_view_company)
def matrix_csv(round_id: int):
    round_ = _company_access(round_id)
    measure = results.parse_measure(round_, request.args.get("measure"))
    if measure is None:
        abort(400)
    return spreadsheet.download(results.matrix_tables(results.service_matrix(round_, measure)),
                                request.args.get("table"), f"round-{round_.id}-matrix-{measure}")


@bp.get("/<int:round_id>/departments/<int:department_id>.csv")
@requires(policies.can_view_company)
def scorecard_csv(round_id: int, department_id: int):
    round_, department = _scorecard_access(round_id, department_id)
    card = results.scorecard(round_, department, policies.can_read_comments(current_user, department))
    return spreadsheet.download(results.scorecard_tables(card), request.args.get("table"),
                                f"round-{round_.id}-department-{department.id}")


# Charts ------------------------------------------------------------------------------------------

def _criteria_chart(view: results.CompanyView):
    weakest = {c.dimension.name for c in view.weakest}
    return charts.for_phones(
        charts.bar_chart, "company-criteria", _("The company as its external clients see it, per criterion"),
        [(c.dimension.name, mean_of(c.figure)) for c in view.criteria], highlight=weakest,
        intervals=[results.interval_of(c.figure) for c in view.criteria])


def _trend_lines(view: results.CompanyView) -> dict:
    """A sparkline per department, in its row of the trends table (200 departments' full charts: 650 KB)."""
    return {department.id: charts.sparkline([p.value for p in points]) for department, points in view.trends}


def _scorecard_charts(card: results.Scorecard) -> dict:
    department = card.department.name
    return {
        "distributions": {
            row.dimension.id: charts.distribution_bar(
                f"distribution-{row.dimension.id}",
                _("%(dimension)s: how many raters gave each score", dimension=row.label),
                row.others.distribution)
            for row in card.rows if row.others is not None and row.others.distribution
        },
        "self_vs_others": charts.for_phones(
            charts.grouped_bars, "self-vs-others",
            _("%(department)s: self-assessment beside others' view", department=department),
            [(row.label, mean_of(row.self_view), mean_of(row.others)) for row in [*card.rows, card.overall]],
            _("Self-assessment"), _("Others' view"),
            intervals=[(results.interval_of(row.self_view), results.interval_of(row.others))
                       for row in [*card.rows, card.overall]]),
        "trend": charts.for_phones(
            charts.line_chart, "overall-trend",
            _("%(department)s: overall mean per round", department=department),
            [p.round.name for p in card.trend], [p.value for p in card.trend], width=480,
            intervals=[results.interval_of(p.figure) for p in card.trend]),
    }
