"""The form of a head's response to a weakness."""
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length

from app.loop.models import MAX_RESPONSE
from app.web.forms import Form


class ResponseForm(Form):
    text = TextAreaField(
        _l("The department's response"), filters=[lambda value: (value or "").strip()],
        validators=[Length(max=MAX_RESPONSE,
                           message=_l("A response is at most %(n)d characters.", n=MAX_RESPONSE))],
        description=_l("Up to 500 characters, shown in the department's name to everyone who took part. "
                       "Leave it empty to take the response back."))
