"""Forms for rating rounds: the round itself, and rating one target, built for the round's dimensions."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.ratings.models import CADENCES, CANT_JUDGE
from app.ratings.services import KEPT, MAX_COMMENT
from app.web.forms import Form
from app.web.memo import kept

MIN_THRESHOLD, MAX_THRESHOLD = 3, 50
K_RULE = _l("k is a whole number from 3 to 50.")
CADENCE_LABELS = {"none": _l("Does not repeat"), "month": _l("Every month"), "quarter": _l("Every quarter"),
                  "half_year": _l("Every half-year"), "year": _l("Every year")}


class RoundForm(Form):
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
    publish_when_closed = BooleanField(
        _l("Publish the results as soon as the round closes"),
        description=_l("The round opens and closes by itself on its dates (UTC); ticked, its results are "
                       "published then too, without waiting for a facilitator."),
    )
    cadence = SelectField(
        _l("Repeat"), default="none",
        choices=[SelectChoice(value, CADENCE_LABELS[value]) for value in CADENCES],
        description=_l("Once a repeating round is published, the next one is prepared from it: the same "
                       "departments, threshold and dimensions, its dates a period later. It opens only "
                       "after a facilitator confirms it."),
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


KEPT_LABELS = {"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No"), "cant_say": _l("Can't say")}


def promise_field(promise_id: int) -> str:
    return f"p{promise_id}"


class RatingForm(Form):
    """Made by `rating_form`: one radio group per dimension asked, one per promise asked, maybe a comment."""

    asked: tuple[int, ...] = ()  # the dimensions' ids, in the round's order
    promises: tuple[int, ...] = ()  # ids of the promises asked about (app.ratings.services.asked_promises)

    def scores(self) -> dict[int, int]:
        return {dimension_id: self[dimension_field(dimension_id)].data for dimension_id in self.asked}

    def kept(self) -> dict[int, str]:
        return {promise_id: self[promise_field(promise_id)].data for promise_id in self.promises}


def rating_form(asked: tuple[int, ...], with_comment: bool, promises: tuple[int, ...] = ()) -> RatingForm:
    """A form for the dimensions asked (their ids, in the round's order); 0 means "can't judge"; and for the
    promises asked about. Its class is made once for each such set and kept: every answer sent builds one of
    these forms. The page shows each dimension's name and question itself, from the round."""
    return kept("rating_form", (asked, with_comment, promises),
                lambda: _rating_form_class(asked, with_comment, promises), 64)()


def _rating_form_class(asked: tuple[int, ...], with_comment: bool,
                       promises: tuple[int, ...]) -> type[RatingForm]:
    choices = [SelectChoice(value, label) for value, label in SCALE]
    choices.append(SelectChoice(CANT_JUDGE, _l("Can't judge")))
    fields: dict = {"asked": asked}
    for dimension_id in asked:
        fields[dimension_field(dimension_id)] = RadioField(
            "",  # the page names the dimension itself; without a label WTForms translates one on every form
            coerce=int, choices=choices,
            validators=[InputRequired(message=_l("Choose an answer, or “Can't judge”."))],
        )
    fields["promises"] = promises
    for promise_id in promises:
        fields[promise_field(promise_id)] = RadioField(
            "", choices=[SelectChoice(value, KEPT_LABELS[value]) for value in KEPT],
            validators=[InputRequired(message=_l("Choose an answer, or “Can't say”."))])
    if with_comment:
        fields["comment"] = TextAreaField(
            _l("Comment (optional)"),
            validators=[Optional(), Length(max=MAX_COMMENT,
                                           message=_l("Keep the comment to %(max)d characters at most."))],
            render_kw={"maxlength": MAX_COMMENT, "rows": 5},
            description=_l("Comments are released only after the round closes, shuffled and without names, "
                           "and only when enough people rated this department."),
        )
    return type("RoundRatingForm", (RatingForm,), fields)
