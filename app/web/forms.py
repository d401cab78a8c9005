"""The base of the app's forms, and the two forms of every CSV import."""
import math
import re
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.web.ids import MAX_ID

# What no database can store as text: NUL (PostgreSQL refuses it), and halves of surrogate pairs (not UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = _l("This holds a character that cannot be stored (a NUL byte or a broken character); "
                        "remove it.")
INFINITE_MESSAGE = _l("Give an ordinary number, not infinity or “nan”.")
TOO_LARGE_MESSAGE = _l("This number is too large.")


def _beyond_integers(value) -> bool:
    """A whole number no integer column holds (nor any id): PostgreSQL's integer stops at 2³¹ − 1."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID


class Form(FlaskForm):
    """Flask-WTF's form with one input rule for every field: text the database cannot store, infinite or
    undefined numbers, and whole numbers beyond the database's integers are refused with a message (a plain
    string, as WTForms' own are), never stored and never a 500."""

    def validate(self, extra_validators=None) -> bool:
        too_large = [field for field in self if _beyond_integers(field.data)]
        for field in too_large:
            field.data = None  # no validator sees it: NumberRange turns it into a float, which overflows
        valid = super().validate(extra_validators) and not too_large
        for field in self:
            if field in too_large:
                field.errors = [str(TOO_LARGE_MESSAGE)]  # the field's own checks saw no number at all
            elif isinstance(field.data, str) and UNSTORABLE.search(field.data):
                field.errors = [*field.errors, str(UNSTORABLE_MESSAGE)]
                valid = False
            elif isinstance(field.data, float) and not math.isfinite(field.data):  # "inf", "nan" parse
                field.errors = [*field.errors, str(INFINITE_MESSAGE)]
                valid = False
        return valid


FORM_TOKEN_MESSAGE = _l("This form came back altered: its one-time mark is not one the app gave. It has "
                        "a new one now; check the form and send it again.")


def new_form_token() -> str:
    return secrets.token_urlsafe(16)


class FormTokenField(HiddenField):
    """The one-time value a form that makes something (a project, a workshop) is drawn with, stored on what
    it makes (app.database.flush_once): a second copy of the same form, double-clicked or sent again, finds
    the first one's instead of making another. A form without one (a page drawn before the field existed,
    a script) makes as before. A value the app never gives is refused and replaced by a new one."""

    def __init__(self, **kwargs):
        super().__init__(default=new_form_token, filters=[lambda value: (value or "").strip() or None],
                         validators=[Optional(), Length(max=64, message=FORM_TOKEN_MESSAGE),
                                     Regexp(r"[A-Za-z0-9_-]+\Z", message=FORM_TOKEN_MESSAGE)], **kwargs)

    def post_validate(self, form, validation_stopped) -> None:
        if self.errors:
            self.errors = [str(FORM_TOKEN_MESSAGE)]  # once, however many rules it broke
            self.data = new_form_token()


class ImportUploadForm(Form):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))
    ])


class ImportConfirmForm(Form):
    staged = HiddenField(validators=[DataRequired(), Length(max=64)])  # app.web.csvfile.stage's key
