"""Parts of the page layout that are the same for many people, rendered once per process, and the soft
hyphens that let wide tables fit their box."""
import re

import pyphen
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


# One dictionary per script: names are stored in one language and read in another (a Russian reader sees
# English department names), so a word is hyphenated by its own letters, not by the page's language.
HYPHENATORS = {"ru": pyphen.Pyphen(lang="ru_RU"), "en": pyphen.Pyphen(lang="en_GB")}
CYRILLIC = re.compile("[\u0400-\u04ff]")


def hyphenate(text: str) -> str:
    """Soft hyphens between the syllables of long words, so that a narrow column's header breaks inside a
    word, with a hyphen, only where it must: a heatmap of nine dimensions then fits a 1280 px screen."""
    return " ".join(
        HYPHENATORS["ru" if CYRILLIC.search(word) else "en"].inserted(word, hyphen="\u00ad")
        if len(word) > 7 else word for word in str(text).split(" "))
