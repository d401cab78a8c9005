"""Pages of the metrics catalog: metrics, their trend and readings, reading forms and CSV import."""
from flask import Blueprint

bp = Blueprint("metrics", __name__, url_prefix="/metrics")
