"""Parts of the page layout that are the same for many people, rendered once per process."""
from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.web.memo import kept
from app.web.policies import ROLES, has_role


def main_nav() -> Markup:
    """The main menu. It depends only on the language, the page (which entry is current) and the
    person's roles, so each such menu is rendered once; the layout asks for it on every page."""
    roles = tuple(role for role in ROLES if has_role(current_user, role))
    key = (str(get_locale()), request.script_root, request.endpoint, roles)
    return kept("main_nav", key, lambda: Markup(render_template("_nav.html")), size=512)
