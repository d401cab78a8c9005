"""Forms of the API token pages."""
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from app.web.forms import Form


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, e.g. \"Help desk export\"."))
    scope = RadioField(_l("Access"), default="read", validators=[InputRequired()], choices=[
        SelectChoice("read", _l("Read metrics and readings")),
        SelectChoice("write", _l("Read, and add readings to the metrics you may edit")),
    ])


class EmptyForm(Form):
    """A CSRF-protected action button (revoke)."""
