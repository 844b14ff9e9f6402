"""Password hashing with a memory-hard KDF (scrypt) and the password rules."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from pgadmin_lite.errors import BadRequest

METHOD = "scrypt:32768:8:1"
# Checked against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Verify against the real hash, or the dummy one for an unknown user."""
    return check_password_hash(password_hash or _DUMMY_HASH, password) and password_hash is not None


def check_password_rules(password: str, min_length: int) -> None:
    if not isinstance(password, str) or len(password) < min_length:
        raise BadRequest(f"The password must have at least {min_length} characters.",
                         hint="Choose a longer password (PASSWORD_LENGTH_MIN in config.py).")
    if len(password) > 1024:
        raise BadRequest("The password is longer than 1024 characters.")
