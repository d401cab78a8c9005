"""Forms for rating rounds: the round itself, and rating one target, built for the round's dimensions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.ratings.models import CANT_JUDGE
from app.ratings.services import MAX_COMMENT

MIN_THRESHOLD, MAX_THRESHOLD = 3, 50
K_RULE = _l("k is a whole number from 3 to 50.")


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example “Spring 2026”."))
    opens_on = DateField(_l("Opens on"), validators=[DataRequired(message=_l("Give a date."))])
    closes_on = DateField(_l("Closes on"), validators=[DataRequired(message=_l("Give a date."))])
    threshold = IntegerField(
        _l("Reporting threshold k"), default=5,
        validators=[DataRequired(message=K_RULE), NumberRange(MIN_THRESHOLD, MAX_THRESHOLD, message=K_RULE)],
        description=_l("Every result is shown only when at least k people gave it; smaller groups show "
                       "“not enough responses”. It is fixed once the round opens."),
    )
    department_ids = SelectMultipleField(
        _l("Departments taking part"), coerce=int,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("Their people rate the departments that serve them, their own and the company."),
    )


SCALE = [
    (1, _l("very poor")),
    (2, _l("poor")),
    (3, _l("fair")),
    (4, _l("good")),
    (5, _l("excellent")),
]


def dimension_field(dimension_id: int) -> str:
    return f"d{dimension_id}"


class RatingForm(FlaskForm):
    """Filled in by `rating_form`: one radio group per dimension of the round, and maybe a comment."""

    asked: list = []

    def scores(self) -> dict[int, int]:
        return {rd.dimension_id: self[dimension_field(rd.dimension_id)].data for rd in self.asked}


def rating_form(round_, with_comment: bool) -> RatingForm:
    """A form for the round's dimensions, in the round's order; 0 means "can't judge"."""
    choices = [SelectChoice(value, label) for value, label in SCALE]
    choices.append(SelectChoice(CANT_JUDGE, _l("Can't judge")))
    fields: dict = {"asked": list(round_.dimensions)}
    for asked in round_.dimensions:
        fields[dimension_field(asked.dimension_id)] = RadioField(
            asked.dimension.name, coerce=int, choices=choices,
            validators=[InputRequired(message=_l("Choose an answer, or “Can't judge”."))],
        )
    if with_comment:
        fields["comment"] = TextAreaField(
            _l("Comment (optional)"),
            validators=[Optional(), Length(max=MAX_COMMENT,
                                           message=_l("Keep the comment to %(max)d characters at most."))],
            render_kw={"maxlength": MAX_COMMENT, "rows": 5},
            description=_l("Comments are released only after the round closes, shuffled and without names, "
                           "and only when enough people rated this department."),
        )
    return type("RoundRatingForm", (RatingForm,), fields)()
