"""Reply codes: given to whoever answers a round (rating or skip alike), kept by nobody but them.

A code is 20 random characters of Crockford's base32 (100 bits), shown in groups of four. The database keeps
only its SHA-256, first sealed inside the ballot, then on the released comment. The code is random and long,
so the hash needs no salt: nothing smaller than the code itself can be tried against it.
"""
import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O, U to misread
LENGTH = 20
GROUP = 4
# What a person may type for a letter Crockford's alphabet leaves out.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_code() -> str:
    """A fresh code, grouped as it is shown (7KQ2-M9XD-…); every code has the same length."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normalized(typed: str) -> str | None:
    """The code as typed, without spaces or dashes, in capitals; None if it cannot be a code."""
    raw = _SEPARATORS.sub("", typed or "").upper().translate(_MISREAD)
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return raw


def code_hash(code: str) -> str:
    """The key a comment is found by (a code as given by new_code, or as typed and normalized)."""
    return hashlib.sha256(_SEPARATORS.sub("", code).encode()).hexdigest()
