"""Forms of complaints: a category with its dimension and root cause (the import uses app.web.forms')."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.web.forms import Form


class CategoryForm(Form):
    name = StringField(_l("Category, as the complaint system names it"),
                       validators=[DataRequired(), Length(max=120)])
    dimension_id = SelectField(_l("Dimension it stands for"), coerce=int, default=0)
    root_cause_id = SelectField(_l("Root cause"), coerce=int, default=0)
