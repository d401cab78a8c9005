"""Sign-in limits. Failed sign-ins are counted per client address, per device cookie, and — for browsers
without a device cookie for the account — per account and per (account, address). A stranger spreading
guesses over many addresses so locks out only sign-ins from unknown browsers; the person on a browser they
signed in with before still gets in, and a stolen or guessed device cookie has its own limit."""
import time

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from limits import parse

from app.auth.devices import account_key, known_device
from app.extensions import limiter

# The settings, in the order the limits are applied, and whose attempts each one counts.
KNOWN, UNKNOWN, EVERY = "known", "unknown", "every"
LIMITS = (
    ("LOGIN_RATE_LIMIT", "address", EVERY),
    ("LOGIN_DEVICE_RATE_LIMIT", "device", KNOWN),
    ("LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "account-address", UNKNOWN),
    ("LOGIN_ACCOUNT_RATE_LIMIT", "account", UNKNOWN),
)
# A lock-out is audited once an hour per limit and key, however often the locked door is tried.
LOCKOUT_AUDIT = parse("1 per hour")


def _attempt() -> tuple[str, str | None]:
    """(the account's key, this browser's device nonce for it or None), worked out once per request."""
    if "sign_in_attempt" not in g:
        email = request.form.get("email", "")[:254]
        g.sign_in_attempt = (account_key(email), known_device(email))
    return g.sign_in_attempt


def _key(kind: str) -> str:
    account, device = _attempt()
    parts = {"address": [get_remote_address()], "device": [device or ""],
             "account-address": [account, get_remote_address()], "account": [account]}[kind]
    return ":".join([kind, *parts])


def _exempt(counts: str):
    if counts == KNOWN:
        return lambda: _attempt()[1] is None
    if counts == UNKNOWN:
        return lambda: _attempt()[1] is not None
    return None


def note_failure() -> None:
    """This request was a failed sign-in: it counts against every limit that applies to it."""
    g.sign_in_failed = True


def _failed(_response) -> bool:
    return g.get("sign_in_failed", False)


def sign_in_limits(view):
    for setting, kind, counts in LIMITS:
        view = limiter.limit(lambda setting=setting: current_app.config[setting], methods=["POST"],
                             key_func=lambda kind=kind: _key(kind), exempt_when=_exempt(counts),
                             deduct_when=_failed)(view)
    return view


def breached() -> list:
    """The limits this request broke (every one: RATELIMIT_FAIL_ON_FIRST_BREACH is off)."""
    return [limit for limit in limiter.current_limits if limit.breached]


def retry_after(limits: list) -> int:
    """Seconds until every broken limit has reset."""
    return max([limit.reset_at for limit in limits] + [int(time.time()) + 1]) - int(time.time())


def kinds(limits: list) -> list[str]:
    """Which of the limits (address, device, account-address, account) were broken."""
    return sorted({limit.request_args[-2].split(":", 1)[0] for limit in limits})


def first_lockout_this_hour(limits: list) -> bool:
    """True the first time in an hour that these limits, with these keys, refuse a sign-in."""
    return limiter.limiter.hit(LOCKOUT_AUDIT, "sign-in-lockout", *sorted(limit.key for limit in limits))
