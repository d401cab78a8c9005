"""The "write an agreement" form."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional

from app.agreements.models import MAX_PROMISE_TEXT, MAX_PROMISES
from app.web.forms import Form, FormTokenField

PROMISE_ROWS = range(1, MAX_PROMISES + 1)


def _promise_fields() -> dict:
    """Three rows of promise, dimension and metric; a row left empty is no promise."""
    fields = {}
    for i in PROMISE_ROWS:
        fields[f"text_{i}"] = StringField(
            _l("Promise %(n)d", n=i),
            validators=[Optional(), Length(max=MAX_PROMISE_TEXT,
                                           message=_l("Keep a promise to %(max)d characters.",
                                                      max=MAX_PROMISE_TEXT))],
            render_kw={"maxlength": MAX_PROMISE_TEXT})
        fields[f"dimension_{i}"] = SelectField(_l("Dimension it improves"), coerce=int, default=0)
        fields[f"metric_{i}"] = SelectField(_l("External metric it serves"), coerce=int, default=0)
    return fields


class _AgreementForm(Form):
    provider_id = SelectField(_l("Providing department"), coerce=int, default=0,
                              description=_l("The department that promises."))
    receiver_id = SelectField(_l("Receiving department"), coerce=int, default=0,
                              description=_l("The department served: its people are asked in the next "
                                             "round whether they got what was agreed."))
    # Where it started, if anywhere: a round's matrix, a workshop card.
    round_id = IntegerField(validators=[Optional()], widget=HiddenField.widget)
    card_id = IntegerField(validators=[Optional()], widget=HiddenField.widget)
    form_token = FormTokenField()

    def promise_rows(self) -> list[tuple]:
        """(text, dimension, metric) fields of each row."""
        return [(self[f"text_{i}"], self[f"dimension_{i}"], self[f"metric_{i}"]) for i in PROMISE_ROWS]


AgreementForm = type("AgreementForm", (_AgreementForm,), _promise_fields())
