"""The page of a metric's service chain (a picture and a table, for the latest or a chosen published round),
and the external mirror of a published round."""
import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_babel import gettext as _

from app.chain import charts, mirror, policies, services
from app.extensions import db
from app.metrics.models import Metric
from app.ratings.models import Round
from app.reports import results
from app.reports.charts import for_phones, grouped_bars
from app.web.authz import requires
from app.web.htmx import render
from app.web.ids import id_arg

bp = Blueprint("chain", __name__, url_prefix="/chain")


@bp.context_processor
def formatting():
    return {"fmt": results.format_mean, "band": results.band, "bands": results.BANDS,
            "noise_effect": results.noise_effect, "distance_words": charts.distance_words}


@bp.get("")
@requires(policies.can_view_chain)
def index():
    return render("chain/index.html", metrics=services.metrics_and_drivers())


@bp.get("/<int:metric_id>")
@requires(policies.can_view_chain)
def view(metric_id: int):
    metric = db.get_or_404(Metric, metric_id)
    rounds = results.published_rounds(newest_first=True)
    round_ = rounds[0] if rounds else None
    if "round" in request.args:  # a hand-made address naming no published round: not there
        round_ = db.session.scalar(sa.select(Round).where(Round.id == id_arg("round"),
                                                          Round.state == "published"))
        if round_ is None:
            abort(404)
    chain = services.chain_for(metric, round_)
    return render("chain/page.html", chain=chain, rounds=rounds,
                  chart=charts.chain_chart(f"chain-{metric.id}", chain) if chain.steps else None)


@bp.get("/mirror/<int:round_id>")
@requires(policies.can_view_chain)
def company_mirror(round_id: int):
    """The company in its clients' eyes and in its own: a page of the company view of a published round."""
    round_ = db.session.scalar(sa.select(Round).where(Round.id == round_id, Round.state == "published"))
    if round_ is None:
        abort(404)
    view = mirror.mirror(round_)
    flags = {"blind_spot": _("blind spot"), "hidden_strength": _("hidden strength")}
    compared = [row for row in view.rows if row.others]  # the table lists the dimensions without readings
    chart = for_phones(
        grouped_bars, "mirror", _("The company in its own people's eyes and in its clients', per dimension"),
        [(f"{row.label}: {flags[row.flag]}" if row.flag else row.label, results.mean_of(row.self_view),
          results.mean_of(row.others)) for row in compared],
        _("Its own people"), _("Its clients"),
        intervals=[(results.interval_of(row.self_view), results.interval_of(row.others))
                   for row in compared]) if compared else None
    return render("chain/mirror.html", mirror=view, round=round_, chart=chart)
