"""Pages of rating rounds: facilitators run rounds; employees rate the departments that serve them."""
from flask import Blueprint

bp = Blueprint("ratings", __name__, url_prefix="/rounds")
