"""Forms for projects, their moves and check-ins, the portfolio filter and the root-cause list."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.forms import Form, FormTokenField


class ProjectForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    problem = TextAreaField(_l("Problem"), validators=[Length(max=4000)],
                            description=_l("What goes wrong, for whom, and how you know."))
    evidence = TextAreaField(
        _l("Evidence, in your own words"), validators=[Length(max=4000)],
        description=_l("What you have seen: examples, complaints, observations. Rating figures are not "
                       "copied here: the project's page shows them to those who may see them."))
    owner_department_id = SelectField(_l("Owner department"), coerce=int)
    department_ids = SelectMultipleField(
        _l("Participating departments"), coerce=int, default=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("A project is cross-department: the owner plus at least one other department."))
    lead_id = SelectField(_l("Lead"), coerce=int, default=0)
    member_ids = SelectMultipleField(_l("Members"), coerce=int, default=[],
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    root_cause_id = SelectField(_l("Root cause"), coerce=int, default=0)
    metric_id = SelectField(_l("External-client metric"), coerce=int, default=0,
                            description=_l("Needed before the project can start."))
    target_value = FloatField(_l("Target value"), validators=[Optional()],
                              description=_l("In the metric's better direction from the baseline."))
    target_date = DateField(_l("Target date"), validators=[Optional()])
    expected_lag_days = IntegerField(_l("Expected lag (days)"), validators=[Optional(), NumberRange(0, 3650)],
                                     description=_l("How long before the metric can be expected to move."))
    source_round = HiddenField()
    source_department = HiddenField()
    source_dimension = HiddenField()
    form_token = FormTokenField()

class MoveForm(Form):
    note = StringField(_l("Note"), validators=[Length(max=500)])

class CheckInForm(Form):
    on = DateField(_l("Date"), validators=[DataRequired()])
    status = RadioField(_l("Status"), choices=[
        SelectChoice("on_track", _l("On track")), SelectChoice("at_risk", _l("At risk")),
        SelectChoice("off_track", _l("Off track"))],
        validators=[DataRequired()])
    done = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=4000)])


class TaskForm(Form):
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=200)])
    owner_id = SelectField(_l("Owner"), coerce=int, default=0)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    form_token = FormTokenField()


class TaskDoneForm(Form):
    """Ticking a task done or undoing it: a button, with its CSRF token."""


class RootCauseForm(Form):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=40)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    name_ru = StringField(_l("Name (Russian)"), validators=[DataRequired(), Length(max=80)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])
    retired = BooleanField(_l("Retired: no longer offered for new projects"))
