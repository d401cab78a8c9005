"""Ballots are sealed while they wait in the holding buffer (AES-GCM, a key derived from SECRET_KEY).

A database administrator, a backup or a page of the database files left behind shows only ciphertext of
one size class: whose department, what was rated, the scores, the comment, and whether it was a skip are
all inside. Change SECRET_KEY only when no round is open: ballots sealed with the old key can no longer
be opened.
"""
import base64
import hashlib
import json
import secrets
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

# Every ballot is padded to a multiple of this many bytes: a skip and a rating without a comment look alike,
# and a comment shows only its size class.
PAD = 1024


class BrokenSeal(Exception):
    """The ballot was sealed with another key (SECRET_KEY changed) or was altered."""


def _cipher() -> AESGCM:
    return _cipher_for(str(current_app.config["SECRET_KEY"]))


@cache
def _cipher_for(secret: str) -> AESGCM:  # closing opens every ballot of a round: derive the key once
    return AESGCM(hashlib.sha256(b"trading-zone holding buffer\0" + secret.encode()).digest())


def seal(ballot: dict, pad: int = PAD) -> str:
    text = json.dumps(ballot, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * (-len(text) % pad)  # JSON ignores the trailing spaces
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + _cipher().encrypt(nonce, text, None)).decode()


def unseal(sealed: str) -> dict:
    raw = base64.b64decode(sealed)
    try:
        return json.loads(_cipher().decrypt(raw[:12], raw[12:], None))
    except InvalidTag:
        raise BrokenSeal from None
