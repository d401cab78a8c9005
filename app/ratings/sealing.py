"""Ballots are sealed while they wait in the holding buffer (AES-GCM, a key derived from SECRET_KEY).

A database administrator, a backup or a page of the database files left behind after the fold
(PostgreSQL keeps deleted rows' bytes until the space is reused) shows only ciphertext.
Change SECRET_KEY only when no round is open: ballots sealed with the old key can no longer be opened.
"""
import base64
import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app


class BrokenSeal(Exception):
    """The ballot was sealed with another key (SECRET_KEY changed) or was altered."""


def _cipher() -> AESGCM:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return AESGCM(hashlib.sha256(b"trading-zone holding buffer\0" + secret).digest())


def seal(text: str) -> str:
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + _cipher().encrypt(nonce, text.encode(), None)).decode()


def unseal(sealed: str) -> str:
    raw = base64.b64decode(sealed)
    try:
        return _cipher().decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag:
        raise BrokenSeal from None
