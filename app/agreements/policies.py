"""Who may write, read, confirm and end which agreement (also given to templates)."""
from app.org.policies import is_head_of
from app.web.policies import has_any_role, has_role


def can_write_agreements(user) -> bool:
    """The agreements list and the "write an agreement" links: heads, facilitators and admins."""
    return has_any_role(user, "head", "facilitator", "admin")


def agreement_sides(user, department_ids) -> frozenset[int]:
    """Of these departments, those the person may write agreements for, asked once for a whole list:
    facilitators and admins any, heads their own. The service matrix keeps its body per this answer for
    the round's departments (registered for it in the app's extensions: reports sit below agreements)."""
    if has_any_role(user, "facilitator", "admin"):
        return frozenset(department_ids)
    if not has_role(user, "head"):
        return frozenset()
    return frozenset(department_ids) & user.head_of


def can_write_agreement_between(user, provider, receiver) -> bool:
    """A head of either department drafts it; facilitators and admins may draft one for them."""
    return bool(agreement_sides(user, (provider.id, receiver.id)))


def can_view_agreement(user, agreement) -> bool:
    """The heads of both departments, facilitators and admins."""
    return can_write_agreement_between(user, agreement.provider, agreement.receiver)


def can_confirm_agreement(user, agreement) -> bool:
    """A draft is put in force by a head of the other side: a head of either department who does not head
    the side(s) its drafter heads (any head of the two when a facilitator or an admin drafted it)."""
    if agreement.state != "draft" or not getattr(user, "is_authenticated", False):
        return False
    sides = (agreement.provider, agreement.receiver)
    drafter = agreement.drafted_by
    drafted_for = {d.id for d in sides if drafter is not None and d.id in drafter.head_of}
    return user.id != agreement.drafted_by_id and any(
        is_head_of(user, d) and d.id not in drafted_for for d in sides)


def can_end_agreement(user, agreement) -> bool:
    """An agreement not ended yet is ended (a draft withdrawn) by whoever may write it: a head of either
    department, a facilitator or an admin."""
    return agreement.state != "ended" and can_write_agreement_between(user, agreement.provider,
                                                                        agreement.receiver)
