"""Forms for departments, people and the service map (the CSV import's are in app.web.forms)."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Regexp
from wtforms.widgets import CheckboxInput

from app.auth.forms import LANGUAGE_CHOICES
from app.web.forms import Form

CODE_RULE = Regexp(r"^[A-Za-z0-9_-]{1,12}$",
                   message=_l("Use 1 to 12 letters, digits, dashes or underscores."))


class DepartmentForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    code = StringField(_l("Short code"), validators=[DataRequired(), CODE_RULE],
                       description=_l("Shown in grids and reports, e.g. FIN."))
    parent_id = SelectField(_l("Part of"), coerce=int, default=0)
    head_ids = SelectMultipleField(_l("Heads"), coerce=int, default=[],
                                   description=_l("People who lead this department and read its scorecard."))
    faces_clients = BooleanField(
        _l("Faces external clients"),
        description=_l("It deals with the company's clients; the metrics it drives are chosen on each "
                       "metric's page. Unticked, it drives none."))


class PersonForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    department_id = SelectField(_l("Department"), coerce=int, default=0)
    is_facilitator = BooleanField(_l("Facilitator: runs rating rounds and workshops"))
    is_admin = BooleanField(_l("Admin: looks after people, departments and settings"))
    language = SelectField(_l("Language"), default="",
                           choices=[SelectChoice("", _l("Browser's choice")), *LANGUAGE_CHOICES])


class ActiveForm(Form):
    active = HiddenField(validators=[AnyOf(["0", "1"])])


class ServiceLinkForm(Form):
    provider = IntegerField(validators=[DataRequired()])
    client = IntegerField(validators=[DataRequired()])
    state = HiddenField(validators=[AnyOf(["on", "off"])])
    q = HiddenField(validators=[Length(max=200)])  # the map's filter, to come back to the same view


class DepartmentLinksForm(Form):
    """One department's links as two checklists, saved in one go; the choices are the other departments,
    each drawn by the page as a checkbox named by its whole sentence ("Finance serves Sales")."""

    clients = SelectMultipleField(coerce=int, default=[], option_widget=CheckboxInput())
    providers = SelectMultipleField(coerce=int, default=[], option_widget=CheckboxInput())
