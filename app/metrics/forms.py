"""Forms for metrics, readings and the suggested set (the CSV import's are in app.web.forms)."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget, TextArea

from app.web.forms import Form

DIRECTION_CHOICES = [SelectChoice("higher", _l("Higher is better")),
                     SelectChoice("lower", _l("Lower is better"))]


class MetricForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = StringField(_l("Description"), widget=TextArea(), validators=[Length(max=2000)],
                              description=_l("What is measured and how, so everyone reads it the same way."))
    unit = StringField(_l("Unit"), validators=[Length(max=30)],
                       description=_l("For example: percent, points, hours."))
    direction = RadioField(_l("Which way is better?"), choices=DIRECTION_CHOICES, validators=[
        InputRequired(message=_l("Say whether higher or lower values are better."))])
    owner_department_id = SelectField(_l("Owner department"), coerce=int, default=0,
                                      description=_l("Its heads may add and import readings."))


class ReadingForm(Form):
    taken_on = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date of the reading."))])
    value = StringField(_l("Value"), validators=[DataRequired(message=_l("Give the value."))],
                        description=_l("A number; 3.5 and 3,5 both work."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    # unknown keys are refused by the service, with the keys there are
    dimension = SelectField(_l("Service dimension (client feedback)"), choices=[], validate_choice=False,
                            description=_l("Only for client feedback on one of the service dimensions: the "
                                           "value is then a score on the scale 1 (poor) to 5 (excellent)."))


class SuggestedForm(Form):
    keys = SelectMultipleField(_l("Suggested metrics"), choices=[], widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput())
    owner_department_id = SelectField(_l("Owner department"), coerce=int, default=0)


class DriversForm(Form):
    """The client-facing departments that drive a metric, as one checklist."""

    department_ids = SelectMultipleField(
        _l("Client-facing departments that drive it"), coerce=int, default=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("Departments whose work with clients moves this number. Ticking one marks it as "
                       "facing external clients; its service chain starts here."))
