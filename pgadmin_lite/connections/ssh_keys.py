"""SSH keys as text: a private key from the vault loaded for paramiko, and host keys' SHA256 fingerprints."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from typing import TYPE_CHECKING

from pgadmin_lite.errors import SshAuthRefused

if TYPE_CHECKING:
    import paramiko

MAX_KEY_CHARS = 64 * 1024  # a private key in OpenSSH or PEM form is a few KiB at most


def fingerprint(host_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of a "<type> <base64>" key (what `ssh-keygen -lf` prints)."""
    try:
        blob = base64.b64decode(host_key.split()[1], validate=True)
    except (IndexError, binascii.Error):
        return "SHA256:(unreadable key)"
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _unreadable(reason: str) -> SshAuthRefused:
    return SshAuthRefused(f"The saved SSH private key cannot be used: {reason}.",
                          hint="Save the key again (OpenSSH or PEM format) with its passphrase, if it has one.")


def load_private_key(text: str, passphrase: str | None) -> paramiko.PKey:
    """The paramiko key for text (RSA, ECDSA or Ed25519); a missing or wrong passphrase is SshAuthRefused."""
    import paramiko  # only when a key is saved or a tunnel opens: idle processes never load it (nor these)
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    data = text.replace("\r\n", "\n").strip().encode() + b"\n"  # a key saved on Windows has CRLF lines
    secret = passphrase.encode() if passphrase else None
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=secret)
        except ValueError as exc:
            if "incorrect password" in str(exc).lower() or "bad decrypt" in str(exc).lower():
                raise
            loaded = serialization.load_pem_private_key(data, password=secret)
    except TypeError:
        raise _unreadable("it is encrypted and no passphrase is saved" if secret is None
                          else "it is not encrypted, yet a passphrase is saved") from None
    except (ValueError, UnsupportedAlgorithm):
        raise _unreadable("it is not a private key, or the passphrase is wrong") from None
    key_class: type[paramiko.PKey]
    if isinstance(loaded, rsa.RSAPrivateKey):
        key_class = paramiko.RSAKey
    elif isinstance(loaded, ed25519.Ed25519PrivateKey):
        key_class = paramiko.Ed25519Key
    elif isinstance(loaded, ec.EllipticCurvePrivateKey):
        key_class = paramiko.ECDSAKey
    else:
        raise _unreadable(f"{type(loaded).__name__} keys are not supported (use Ed25519, ECDSA or RSA)")
    try:
        return key_class.from_private_key(io.StringIO(data.decode()), password=passphrase or None)
    except (paramiko.SSHException, ValueError) as exc:
        raise _unreadable(str(exc) or type(exc).__name__) from None
