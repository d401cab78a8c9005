"""Forms for setting up a workshop and for the actions on its live board."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.forms import Form, FormTokenField
from app.workshops.models import PHASES

BUDGET_RULE = _l("The vote budget is a whole number from 1 to 20.")


class WorkshopForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    held_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Give a date."))])
    round_id = SelectField(_l("Rating round"), coerce=int, default=0,
                           description=_l("The review board shows this round's published results."))
    department_ids = SelectMultipleField(
        _l("Departments taking part"), coerce=int, default=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("At least two. Fixed once the workshop starts."))
    participant_ids = SelectMultipleField(
        _l("Participants"), coerce=int, default=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("Representatives of the departments taking part."))
    vote_budget = IntegerField(_l("Dots per participant"), default=3,
                               validators=[DataRequired(message=BUDGET_RULE),
                                           NumberRange(1, 20, message=BUDGET_RULE)])
    anonymous_cards = BooleanField(_l("Anonymous cards: nobody sees, and nothing stores, who wrote a card"))
    balanced_votes = BooleanField(_l("Balanced votes: every department weighs the same, however many "
                                     "people it sends"))
    form_token = FormTokenField()


class StepForm(Form):
    step = HiddenField(validators=[AnyOf(["1", "-1"])])
    # The phase the button moves from: a second click of the same button (or a second tab) finds the
    # workshop already moved on, and does not move it twice.
    phase = HiddenField(validators=[AnyOf(PHASES)])


class CardForm(Form):
    text = TextAreaField(_l("Problem"), validators=[DataRequired(), Length(max=500)],
                         description=_l("One problem per card, in a sentence or two."))
    dimension_id = SelectField(_l("Dimension"), coerce=int, default=0)
    root_cause_id = SelectField(_l("Root cause"), coerce=int, default=0)
    anonymous = BooleanField(_l("Post it without my name"),
                             description=_l("Nobody sees, and nothing stores, who wrote it. You can edit or "
                                            "withdraw it from this browser until you sign out."))


class MergeForm(Form):
    group_id = SelectField(_l("Group card"), coerce=int,
                           description=_l("The card that stays; the others become its sources."))
    card_ids = SelectMultipleField(
        _l("Cards to merge into it"), coerce=int, default=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class ProjectFromCardForm(Form):
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=160)])
    owner_department_id = SelectField(_l("Owner department"), coerce=int)
    department_ids = SelectMultipleField(
        _l("Other departments"), coerce=int, default=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("At least one besides the owner."))


class ActionForm(Form):
    """A CSRF-protected button: vote, take back, withdraw."""


class ThemeCardForm(Form):
    """Add a theme of a department's comments as a card."""
    department_id = IntegerField(validators=[DataRequired()])
    theme_id = IntegerField(validators=[DataRequired()])


class SuggestionForm(Form):
    """Accept a grouping suggestion: the cards it showed (hidden), so a changed board is not merged blind."""
    card_ids = SelectMultipleField(coerce=int, validate_choice=False, validators=[DataRequired()])
