"""The base of the app's forms."""
from functools import cache

from babel.support import Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _wtforms_catalog(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("Not a valid choice.") in the reader's language."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale() or "en")).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale() or "en")).ungettext(singular, plural, n)


class Form(FlaskForm):
    """Flask-WTF's form, with WTForms' catalog read once per language rather than on every request that
    builds a form, as Flask-WTF does (reading it cost an answer about a tenth of a millisecond)."""

    class Meta:
        def get_translations(self, form):
            return _WTFORMS_MESSAGES


_WTFORMS_MESSAGES = _WTFormsMessages()
