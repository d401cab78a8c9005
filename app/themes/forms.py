"""Forms of themes: a keyword for a theme, a comment's theme, and a remove button."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired

from app.web.forms import Form

MODEL = "model"  # a comment's theme as the keywords find it, without correction
NO_THEME = "none"


class KeywordForm(Form):
    theme = HiddenField(validators=[DataRequired()])
    # Its length is the service's to check, so an over-long word is refused with the same message everywhere.
    word = StringField(_l("New keyword"), validators=[DataRequired(message=_l("Write the keyword."))],
                       description=_l("One word, English or Russian: every form of it counts."))


class CommentThemeForm(Form):
    theme = SelectField(_l("Theme"), validate_choice=False)


class ActionForm(Form):
    """A CSRF-protected button: remove a keyword."""
