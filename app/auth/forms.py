"""Forms for signing in, first-run setup, setting and changing passwords, and language."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.passwords import password_problem
from app.web.forms import Form

LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("ru", "Русский")]
# What the browser and password managers may fill in (HTML autofill tokens): the e-mail is the username.
USERNAME = {"autocomplete": "username"}
CURRENT_PASSWORD = {"autocomplete": "current-password"}
NEW_PASSWORD = {"autocomplete": "new-password"}


def strong_password(form, field):
    if problem := password_problem(field.data or ""):
        raise ValidationError(problem)


class SignInForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)], render_kw=USERNAME)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw=CURRENT_PASSWORD)
    next = HiddenField()


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), strong_password],
        description=_l("At least 8 characters; long phrases are welcome."), render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw=NEW_PASSWORD,
    )


class SetupForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw=USERNAME)


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)],
                            render_kw=CURRENT_PASSWORD)


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw=USERNAME)


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
