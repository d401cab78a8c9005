"""The board's poll when nothing changed, answered before Flask takes the request.

Everyone watching a live board asks every few seconds whether it changed, and nearly always it has not.
The board page gives each viewer a ticket (signed, valid ten minutes) that lets that one answer — 204,
nothing else — come from one indexed lookup of the board's version: no cookie session to open, no person
to load, none of the framework's per-request work. It only ever tells its holder "nothing changed"; any
other poll (no ticket, a bad or old one, another version) goes on to the view, which checks the session
before it shows a board (README, "Design choices").
"""
import re
import time

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from app.database import connect_apart
from app.extensions import db
from app.web.security import SECURITY_HEADERS
from app.workshops.models import Workshop

TICKET_SECONDS = 600
TICKET_HEADER = "HTTP_X_BOARD_TICKET"
POLL_PATH = re.compile(r"/workshops/(\d{1,9})/poll")
KNOWN_VERSION = re.compile(r"(?:.*&)?version=([0-9]{1,18})(?:&.*)?")  # anything else goes on to the view
OPENED_KEPT = 4096  # tickets whose signature was checked, kept per process (then all forgotten at once)
VERSION = sa.select(Workshop.version).where(Workshop.id == sa.bindparam("workshop_id"))
UNCHANGED_HEADERS = [*SECURITY_HEADERS.items(), ("Cache-Control", "no-store"), ("Vary", "Cookie")]


def _tickets(secret_key) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="workshop-board-poll")


def board_ticket(workshop: Workshop) -> str:
    """The ticket the board page hands its viewer for polling this workshop."""
    return _tickets(current_app.secret_key).dumps([workshop.id, current_user.id])


class UnchangedPolls:
    """WSGI middleware: a ticketed poll whose version is current gets its 204 here."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.tickets = _tickets(app.secret_key)
        self.engine = None  # the app's engine, taken on the first poll (it is made lazily)
        self.opened: dict[str, tuple[int, int]] = {}  # ticket: (its workshop, when it was signed)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            match = POLL_PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match and self._unchanged(int(match[1]), environ):
                start_response("204 NO CONTENT", list(UNCHANGED_HEADERS))
                return []
        return self.wsgi_app(environ, start_response)

    def _unchanged(self, workshop_id: int, environ) -> bool:
        known = KNOWN_VERSION.fullmatch(environ.get("QUERY_STRING", ""))
        if known is None or self._workshop_of(environ.get(TICKET_HEADER, "")) != workshop_id:
            return False
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        try:
            with connect_apart(self.engine) as connection:
                return int(known[1]) == connection.scalar(VERSION, {"workshop_id": workshop_id})
        except sa.exc.SQLAlchemyError:
            return False  # the view answers, with its error page if the database is really down

    def _workshop_of(self, ticket: str) -> int | None:
        """The workshop a ticket opens, None if it is forged or too old. Its signature is checked once per
        process (a viewer polls with the same ticket for ten minutes, and checking it was a tenth of the
        early answer), its age on every poll."""
        opened = self.opened.get(ticket)
        if opened is None:
            try:
                (workshop_id, _user), signed = self.tickets.loads(ticket, max_age=TICKET_SECONDS,
                                                                  return_timestamp=True)
            except (BadData, ValueError, TypeError):
                return None
            if len(self.opened) >= OPENED_KEPT:
                self.opened.clear()
            opened = self.opened[ticket] = (workshop_id, int(signed.timestamp()))
        workshop_id, signed = opened
        return workshop_id if time.time() - signed <= TICKET_SECONDS else None
