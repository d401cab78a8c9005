"""How a person wants their notices: by e-mail, and/or in a chat by an incoming webhook."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.notices.services import webhook_problem
from app.web.forms import Form


def usable_webhook(_form, field):
    problem = field.data and webhook_problem(field.data.strip())
    if problem:
        raise ValidationError(problem)


class NoticeChoicesForm(Form):
    notify_by_email = BooleanField(_l("E-mail me notices"))
    chat_webhook = URLField(
        _l("Chat webhook"), validators=[Optional(), Length(max=500), usable_webhook],
        description=_l("The address of an incoming webhook of your Slack or Microsoft Teams channel: notices "
                       "are posted there too. Leave it empty for none."),
        render_kw={"autocomplete": "off", "placeholder": "https://"})
    chat_format = RadioField(_l("The chat is"), default="slack", choices=[
        SelectChoice("slack", "Slack"), SelectChoice("teams", "Microsoft Teams")])
