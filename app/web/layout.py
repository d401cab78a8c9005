"""Parts of the page layout that are the same for many people, rendered once per process."""
from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.web.memo import kept, kept_markup
from app.web.policies import ROLES, has_role

# A stand-in for the person's name in the kept bar (see app.web.memo.TOKEN).
PERSON = "\x1eperson\x1e"


def topbar() -> Markup:
    """The skip link and the top bar: the menu, the language switch, the person's name and "Sign out".
    They depend only on the language, the page (which menu entry is current) and the person's roles, once
    their name and CSRF token are put in, so each such bar is rendered once; the layout asks for it on
    every page."""
    person = current_user._get_current_object()  # once: every read through the proxy costs a lookup
    roles = tuple(role for role in ROLES if has_role(person, role))
    signed_in = person.is_authenticated
    key = (str(get_locale()), request.script_root, request.endpoint, signed_in, roles)
    bar = kept_markup("topbar", key, lambda: render_template("_topbar.html", person=PERSON), size=512)
    # Markup.replace escapes what it puts in: the name is text
    return bar.replace(PERSON, person.name if signed_in else "")


def static_url(filename: str) -> str:
    """url_for("static", filename=…), worked out once per file and mount point: the layout asks on every
    page, and each answer cost as much as a small query."""
    return kept("static_urls", (request.script_root, filename),
                lambda: url_for("static", filename=filename), size=64)
