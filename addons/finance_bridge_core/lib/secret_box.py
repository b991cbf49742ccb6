"""AES-GCM sealing of connection secrets with a master key kept outside the database.

Token layout: ``fb1$<key id>$<base64(nonce || ciphertext+tag)>``. The key id
(first 8 bytes of SHA-256 of the key, hex) lets us tell "wrong master key"
apart from "tampered ciphertext". The associated data binds a token to the
row and secret name it was written for, so a token copied to another row
does not decrypt.
"""
import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import SecretKeyError

TOKEN_PREFIX = "fb1"


def parse_master_key(value):
    """Accept 32 bytes as base64 (standard or URL-safe) or 64 hex digits."""
    if not value:
        raise SecretKeyError(
            "no master key: set finance_bridge_master_key in the Odoo configuration file "
            "or the FINANCE_BRIDGE_MASTER_KEY environment variable "
            "(generate one with: python3 -m odoo.addons.finance_bridge_core.lib.secret_box)")
    value = value.strip()
    key = None
    if len(value) == 64:
        try:
            key = bytes.fromhex(value)
        except ValueError:
            key = None
    if key is None:
        try:
            padded = value + "=" * (-len(value) % 4)
            key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            key = None
    if key is None or len(key) != 32:
        raise SecretKeyError("the master key must be 32 bytes, written as base64 or 64 hex digits")
    return key


def generate_master_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def derive_key(master_key, label, length=32):
    """A sub-key for one purpose (HKDF-SHA256 keyed by the master key, ``label`` as info).

    Each use of the master key other than sealing (key fingerprint, audit-chain
    MAC, ...) gets its own label, so no two uses ever share key material.
    """
    if not isinstance(master_key, bytes) or len(master_key) != 32:
        raise SecretKeyError("the master key must be 32 bytes")
    if isinstance(label, str):
        label = label.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(master_key)


FINGERPRINT_LABEL = "finance_bridge/key-fingerprint/v1"


def key_fingerprint(master_key):
    """Public fingerprint of the master key, stored per database to recognise a wrong key.

    An HMAC of a fixed label under a derived sub-key: it tells keys apart
    without being usable to check guesses of the key faster than the AEAD.
    """
    return hmac.new(derive_key(master_key, FINGERPRINT_LABEL), FINGERPRINT_LABEL.encode("ascii"),
                    hashlib.sha256).hexdigest()


def key_id(key):
    return hashlib.sha256(key).hexdigest()[:16]


class SecretBox:
    def __init__(self, key):
        if len(key) != 32:
            raise SecretKeyError("the master key must be 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = key_id(key)
        self.fingerprint = key_fingerprint(key)

    def seal(self, plaintext, aad):
        if not isinstance(plaintext, str):
            raise TypeError("secrets are text")
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return f"{TOKEN_PREFIX}${self.key_id}${base64.b64encode(nonce + sealed).decode('ascii')}"

    @staticmethod
    def token_key_id(token):
        parts = (token or "").split("$")
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise SecretKeyError("stored secret is not a finance_bridge token")
        return parts[1]

    def open(self, token, aad):
        token_kid = self.token_key_id(token)
        if token_kid != self.key_id:
            raise SecretKeyError(
                f"secret was sealed with master key {token_kid}, the configured key is {self.key_id}: "
                "the master key is wrong, or a rotation was not run")
        blob = base64.b64decode(token.split("$")[2])
        try:
            plain = self._aead.decrypt(blob[:12], blob[12:], aad.encode("utf-8"))
        except InvalidTag:
            raise SecretKeyError("secret failed authentication: it was altered, moved to another record, "
                                 "or the settings it was bound to changed since it was entered") from None
        return plain.decode("utf-8")


if __name__ == "__main__":  # pragma: no cover - key generation helper
    print(generate_master_key())
