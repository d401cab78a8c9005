"""Forms of replies: a head's reply to a comment; the author's code, and their answer."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from app.replies.models import MAX_TEXT, REPLY_KINDS
from app.replies.policies import can_reply_to_comments
from app.web.forms import Form

_strip = [lambda value: (value or "").strip()]
_LONG = _l("Keep it to %(n)d characters.", n=MAX_TEXT)


class ReplyForm(Form):
    kind = RadioField(_l("The reply"), validators=[InputRequired(message=_l("Choose what the reply says."))],
                      choices=[SelectChoice(kind, label) for kind, label in REPLY_KINDS.items()])
    text = TextAreaField(_l("A few words (optional)"), filters=_strip,
                         validators=[Length(max=MAX_TEXT, message=_LONG)],
                         description=_l("Up to 1,000 characters. Only the comment's author reads it, from "
                                        "tomorrow; they may answer once."))


class CodeForm(Form):
    # The code is typed, never put in an address: it would stay in logs and the browser's history.
    code = StringField(_l("Your reply code"), filters=_strip,
                       validators=[DataRequired(message=_l("Enter the code you were given.")),
                                   Length(max=100, message=_l("No released comment has this code."))],
                       description=_l("The code shown when you sent your answers, like 7KQ2-M9XD-…"),
                       render_kw={"autocomplete": "off", "spellcheck": "false",
                                  "autocapitalize": "characters"})


class AnswerForm(Form):
    code = HiddenField(filters=_strip, validators=[DataRequired(), Length(max=100)])
    answer = TextAreaField(_l("Your answer"), filters=_strip,
                           validators=[DataRequired(message=_l("Write your answer first.")),
                                       Length(max=MAX_TEXT, message=_LONG)],
                           description=_l("Once, up to 1,000 characters. The department reads it from "
                                          "tomorrow, without your name."))


def prefix(comment_id: str) -> str:
    """Each reply form on the scorecard names its fields apart."""
    return f"reply-{comment_id}"


def reply_forms(user, threads, department) -> dict[str, ReplyForm]:
    """The reply forms `user` may use on a scorecard: under each comment without a reply that can have one,
    for the department's heads."""
    if not can_reply_to_comments(user, department):
        return {}
    return {t.comment.id: ReplyForm(formdata=None, prefix=prefix(t.comment.id)) for t in threads
            if t.reply is None and t.comment.reply_key is not None}
