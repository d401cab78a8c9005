"""Workshop pages: set-up, the live board that follows the facilitator's phase, minutes and exports."""
from flask import Blueprint

bp = Blueprint("workshops", __name__, url_prefix="/workshops")
