"""Published results: department scorecards, the company view, the service matrix, CSV exports."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/results")
