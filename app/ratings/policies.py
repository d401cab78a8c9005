"""Who may run rounds, who may rate in one, and what may be done to a round in each state."""
from app.ratings.models import ROUND_STEPS
from app.web.policies import has_role


def can_run_rounds(user) -> bool:
    """Facilitators create, open, close and publish rounds; admins who are not facilitators do not."""
    return has_role(user, "facilitator")


def next_steps(round_) -> tuple[str, ...]:
    """The step a facilitator may take from the round's state; none once it is published, nor while a
    prepared round awaits confirmation (confirming is its step)."""
    if awaits_confirmation(round_):
        return ()
    return tuple(step for step, (leaves, _reaches, _when) in ROUND_STEPS.items() if leaves == round_.state)


def awaits_confirmation(round_) -> bool:
    """A round the schedule prepared from a repeating one, not confirmed by a facilitator yet."""
    return round_.state == "draft" and not round_.confirmed


def can_edit(round_) -> bool:
    """A draft is editable; an open round only its name and closing date; after that, nothing."""
    return round_.state in ("draft", "open")


def fixed_fields_locked(round_) -> bool:
    return round_.state != "draft"


def can_rate(user, taking_part: bool) -> bool:
    """Anyone whose department takes part (whatever the round's state; answering needs it open).
    `taking_part`: as services.round_to_rate answers, with the round."""
    return bool(getattr(user, "is_authenticated", False)) and taking_part


def is_answering(round_) -> bool:
    return round_.state == "open"


def can_skip(target) -> bool:
    """Only a department on the person's list that they have not dealt with can be skipped."""
    return target.kind == "service" and target.listed and not target.done
