"""The credential vault: saved database passwords sealed with AES-256-GCM under a key kept outside the config DB.

Envelope: ``v1:`` + urlsafe base64 of (12-byte nonce ‖ ciphertext+tag). The associated data names the row
(``server:<id>:user:<id>``), so a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

from pgadmin_lite.errors import AppError, ConfigError, PasswordRequired
from pgadmin_lite.keyfiles import read_key_file

PREFIX = "v1:"
HKDF_INFO = b"pgadmin_lite credentials v1"
DIGEST_INFO = b"pgadmin_lite keyed digest v1"  # a second key, for digests of one-time secrets (recovery codes)
NONCE_BYTES = 12
MIN_KEY_CHARS = 32
EXTENSION_KEY = "credentials_vault"


class SavedPasswordUnreadable(PasswordRequired):
    """A saved password no longer decrypts (another key, or an altered record): the user must re-enter it."""

    code = "saved_password_unreadable"


class VaultUnavailable(AppError):
    """The credentials key cannot be loaded; the message names the setting or command that fixes it."""

    status, code = 503, "vault_unavailable"


def associated_data(server_id: int, user_id: int) -> str:
    """What a ciphertext is bound to: one server and one user."""
    return f"server:{server_id}:user:{user_id}"


class Vault:
    """Encrypts and decrypts saved passwords; holds only the derived key, never the key material."""

    def __init__(self, key_material: str | bytes) -> None:
        raw = key_material.encode("utf-8") if isinstance(key_material, str) else key_material
        if len(raw) < MIN_KEY_CHARS:
            raise ConfigError(f"The credentials key is shorter than {MIN_KEY_CHARS} characters; "
                              "set a longer CREDENTIALS_KEY or delete CREDENTIALS_KEY_FILE and run setup-db.")
        # cryptography costs ~7 MiB resident: loaded when a password is first sealed or opened, not at start.
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(raw)
        self._aead = AESGCM(key)
        self._digest_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DIGEST_INFO).derive(raw)

    def digest(self, value: str, *, context: str) -> str:
        """A keyed HMAC-SHA256 of value for one context (e.g. a user): a copy of the config DB alone cannot test
        guesses against it, unlike a plain hash."""
        message = context.encode("utf-8") + b"\0" + value.encode("utf-8")
        return "hmac-sha256:" + hmac.new(self._digest_key, message, hashlib.sha256).hexdigest()

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        """Seal a password for one row; a fresh random nonce makes every envelope different."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, envelope: str, *, aad: str) -> str:
        """Open an envelope for its row, or raise SavedPasswordUnreadable (never a crash)."""
        from cryptography.exceptions import InvalidTag

        try:
            if not envelope.startswith(PREFIX):
                raise ValueError("unknown envelope version")
            blob = base64.b64decode(envelope[len(PREFIX):].encode("ascii"), altchars=b"-_", validate=True)
            if len(blob) <= NONCE_BYTES:
                raise ValueError("envelope too short")
            plain = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode("utf-8"))
            return plain.decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise SavedPasswordUnreadable(
                "The saved password cannot be decrypted (the credentials key changed or the record was altered).",
                hint="Enter the password again and save it.") from None


def vault_from_settings(settings: Mapping[str, Any]) -> Vault:
    """CREDENTIALS_KEY when set, else the key file; a missing file names `setup_db.py setup-db`."""
    secret = settings.get("CREDENTIALS_KEY") or ""
    if secret:
        return Vault(secret)
    return Vault(read_key_file(settings["CREDENTIALS_KEY_FILE"], "CREDENTIALS_KEY_FILE"))


def app_vault(app: Any) -> Vault:
    """The app's vault, loaded on first use so the key is read once; a bad key is a clear 503."""
    vault = app.extensions.get(EXTENSION_KEY)
    if vault is None:
        try:
            vault = vault_from_settings(app.config)
        except ConfigError as exc:
            raise VaultUnavailable(f"Saved passwords are unavailable: {exc}") from exc
        app.extensions[EXTENSION_KEY] = vault
    return vault


def current_vault() -> Vault:
    """The vault of the app handling this request (for callers without one at hand)."""
    from flask import current_app

    return app_vault(current_app)
