"""Pages of improvement projects: start, run, check in, "did it move?", the portfolio."""
from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")
