"""The form for a service dimension, in both languages."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.web.forms import Form


class DimensionForm(Form):
    key = StringField(_l("Key"), validators=[
        DataRequired(), Regexp(r"^[a-z][a-z0-9_]{0,39}$", message=_l("Lower-case letters, digits and _."))
    ], description=_l("A short fixed name used in exports, e.g. reliability."))
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    name_ru = StringField(_l("Name (Russian)"), validators=[DataRequired(), Length(max=80)])
    description_en = TextAreaField(_l("Description (English)"), validators=[DataRequired(), Length(max=500)])
    description_ru = TextAreaField(_l("Description (Russian)"), validators=[DataRequired(), Length(max=500)])
    question_en = TextAreaField(_l("Question employees answer (English)"),
                                validators=[DataRequired(), Length(max=300)])
    question_ru = TextAreaField(_l("Question employees answer (Russian)"),
                                validators=[DataRequired(), Length(max=300)])
