"""Accounts: sign-in, server-side sessions, one-time links, first-run setup."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record
from app.auth.models import ApiToken, OneTimeLink, User, UserSession
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.time import utcnow


class AccountError(Exception):
    """A rule of accounts was broken; the message is shown to the user."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def any_user_exists() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(User.id.is_not(None))))


def authenticate(email: str, password: str) -> User | None:
    """The user if the e-mail and password match an active account; the same work either way."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not (ok and user and user.active):
        # Nothing of what was typed is kept: an unknown e-mail may be a password typed in the wrong field.
        record(None, "sign_in.failure", user or "")
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(user, "sign_in.success", user)
    return user


def record_lockout(email: str, limits: list[str]) -> None:
    """A sign-in refused by the limits named: on the account when the e-mail is one."""
    record(None, "sign_in.locked", find_user_by_email(email) or "", ", ".join(limits))


def start_session(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_digest(token), user_id=user.id))
    db.session.flush()
    user.session_token = token
    return token


def load_session(token: str) -> User | None:
    """The user of a live session, or None when it was ended, has expired or the user is inactive."""
    found = db.session.execute(
        sa.select(User, UserSession.created_at).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _digest(token))).one_or_none()
    if found is None:
        return None
    user, started = found
    limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if started < utcnow() - limit or not user.active:
        return None
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    statement = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        statement = statement.where(UserSession.token_hash != _digest(keep_token))
    db.session.execute(statement)


def sign_out_everywhere(user: User) -> None:
    """End every session of `user`, the one asking included."""
    end_all_sessions(user)
    record(user, "sign_out.everywhere", user)


def void_links(user: User, purpose: str | None = None) -> None:
    """Unused links of `user` (of one purpose, or all) stop working."""
    statement = sa.delete(OneTimeLink).where(OneTimeLink.user_id == user.id, OneTimeLink.used_at.is_(None))
    if purpose:
        statement = statement.where(OneTimeLink.purpose == purpose)
    db.session.execute(statement)


def revoke_all_tokens(user: User) -> int:
    """Revoke every live token of `user` (deactivated: reactivation gives none back); how many."""
    revoked = db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return revoked.rowcount


def new_links(users: list[User], purpose: str) -> list[str]:
    """New single-use link tokens for these people, in their order, written in one statement (one by one,
    30,000 invitations of an import took minutes); older links are left as they are."""
    hours = current_app.config["INVITE_LINK_HOURS" if purpose == "invite" else "RESET_LINK_HOURS"]
    expires_at = utcnow() + timedelta(hours=hours)
    tokens = [secrets.token_urlsafe(32) for _user in users]
    db.session.execute(sa.insert(OneTimeLink), [
        {"token_hash": _digest(token), "user_id": user.id, "purpose": purpose, "expires_at": expires_at}
        for user, token in zip(users, tokens, strict=True)])
    return tokens


def issue_link(user: User, purpose: str) -> str:
    """A new single-use link token for `purpose` ('invite' or 'reset'); older unused ones of the same purpose
    stop working. A reset request, which anyone may make, so leaves a pending invitation alone."""
    void_links(user, purpose)
    return new_links([user], purpose)[0]


def find_link(token: str) -> OneTimeLink | None:
    """A link that can still be used, or None."""
    link = db.session.scalar(sa.select(OneTimeLink).where(OneTimeLink.token_hash == _digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow() or not link.user.active:
        return None
    return link


def set_password_from_link(token: str, password: str) -> User:
    """Use the link once to set the password; every other session of that person ends."""
    link = find_link(token)
    if link is None:
        raise AccountError("link")
    if problem := password_problem(password):
        raise AccountError(problem)
    # The guarded update makes two racing uses of one link succeed exactly once.
    used = db.session.execute(
        sa.update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise AccountError("link")
    link.user.password_hash = hash_password(password)
    void_links(link.user)  # the other of an invitation and a reset link must not set it again
    end_all_sessions(link.user)
    record(link.user, f"password.set_by_{link.purpose}", link.user)
    return link.user


def change_password(user: User, current: str, new: str, keep_token: str | None) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("current")
    if problem := password_problem(new):
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    end_all_sessions(user, keep_token=keep_token)
    record(user, "password.change", user)


def create_admin(name: str, email: str, password: str) -> User:
    """An admin account with a password, and the default dimensions if there are none yet."""
    if problem := password_problem(password):
        raise AccountError(problem)
    if find_user_by_email(email):
        raise AccountError("exists")
    user = User(name=name.strip(), email=normalise_email(email), is_admin=True,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    seed_default_dimensions()
    record(user, "person.create_admin", user)
    return user


def create_first_admin(name: str, email: str, password: str) -> User:
    """First-run setup: the first account, an admin; refused once anyone exists. Two setups sent at once (a
    double-click, two tabs, two people) take turns, and the second finds the first's account: on PostgreSQL
    the table's lock (there is no row yet to lock); SQLite's writer holds the whole database already."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
    if any_user_exists():
        raise AccountError("exists")
    return create_admin(name, email, password)
