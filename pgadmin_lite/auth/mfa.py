"""Two-factor authentication by TOTP (RFC 6238, pyotp) with one-time recovery codes; no Flask.

The user's TOTP state is one vault envelope in users.totp_secret_enc: the secret and the last time step a
code was accepted at. Accepting a code rewrites the envelope with a compare-and-swap UPDATE (WHERE the old
envelope is still there), so a code, or any code of an earlier step, is accepted once per user even by
parallel requests, and the replay guard lives as durably as the secret. totp_enabled_at NULL with an
envelope means an enrolment was started and not yet confirmed by a code.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from pgadmin_lite.auth import lockout
from pgadmin_lite.auth.lockout import LockoutPolicy
from pgadmin_lite.auth.service import locked_error, second_factor_key
from pgadmin_lite.errors import ConfigError, Conflict, MfaCodeInvalid, MfaNotEnabled, MfaUnreadable
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User
from pgadmin_lite.models.columns import utcnow
from pgadmin_lite.models.users import RecoveryCode
from pgadmin_lite.servers.vault import SavedPasswordUnreadable, Vault
from pgadmin_lite.users.permissions import ADMINISTRATOR, USER

ISSUER = "pgadmin_lite"
VALID_WINDOW = 1  # time steps accepted either side of now: a clock 30 s off still works
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read from paper without doubt
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4  # "xxxx-xxxx-xxxx": 60 bits each
TOTP_CODE = re.compile(r"^[0-9]{6}$")
BUILTIN_ROLES = (ADMINISTRATOR, USER)


@dataclass(frozen=True)
class Enrolment:
    """A secret waiting for its first code: what the authenticator app needs, as text and as a QR code."""

    secret: str
    uri: str

    def qr_svg(self) -> str:
        """The otpauth URI as an inline SVG QR code, drawn here (segno): no external service sees the secret."""
        import segno  # loaded by the few requests that draw one

        return str(segno.make(self.uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff",
                                                              title="TOTP enrolment QR code"))


def _totp(secret: str) -> Any:
    """pyotp's TOTP for a secret; pyotp loads with the first login that needs it, not at start-up."""
    import pyotp

    return pyotp.TOTP(secret)


def check_required_for(value: object) -> tuple[str, ...]:
    """Validate MFA_REQUIRED_FOR at start-up: a list of built-in role names."""
    if not isinstance(value, list | tuple) or any(name not in BUILTIN_ROLES for name in value):
        raise ConfigError(f"MFA_REQUIRED_FOR must be a list of {', '.join(BUILTIN_ROLES)} (custom roles have "
                          f"their own 'require two-factor' switch), got {value!r} (config.py).")
    return tuple(value)


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and user.totp_secret_enc is not None


def is_required(user: User, required_for: Iterable[str]) -> bool:
    """The built-in roles listed in MFA_REQUIRED_FOR, or a custom role with require_mfa."""
    if user.is_admin:
        return ADMINISTRATOR in required_for
    if user.role is not None:
        return bool(user.role.require_mfa)
    return USER in required_for


def needs_second_step(user: User, required_for: Iterable[str]) -> bool:
    """After the password: a code to enter, or an enrolment to make first."""
    return is_enabled(user) or is_required(user, required_for)


def _aad(user: User) -> str:
    return f"user:{user.id}:totp"


def _seal(vault: Vault, user: User, secret: str, last_step: int) -> str:
    return vault.encrypt(json.dumps({"secret": secret, "last_step": last_step}), aad=_aad(user))


def _open(vault: Vault, user: User, envelope: str) -> tuple[str, int]:
    try:
        state = json.loads(vault.decrypt(envelope, aad=_aad(user)))
        return str(state["secret"]), int(state["last_step"])
    except (SavedPasswordUnreadable, ValueError, KeyError, TypeError):
        raise MfaUnreadable("Your two-factor secret cannot be decrypted (the credentials key changed).",
                            hint="Ask an administrator to reset your two-factor authentication.") from None


def _enrolment(user: User, secret: str) -> Enrolment:
    return Enrolment(secret, _totp(secret).provisioning_uri(name=user.email, issuer_name=ISSUER))


def start_enrolment(user: User, vault: Vault) -> Enrolment:
    """A new secret, stored sealed but not yet enabled (a code confirms it); replaces an unconfirmed one."""
    if is_enabled(user):
        raise Conflict("Two-factor authentication is already on.", hint="Turn it off first to enrol a new device.")
    import pyotp

    secret = pyotp.random_base32()
    user.totp_secret_enc = _seal(vault, user, secret, -1)
    db.session.commit()
    return _enrolment(user, secret)


def pending_enrolment(user: User, vault: Vault) -> Enrolment | None:
    """The enrolment started and not yet confirmed, if any."""
    if is_enabled(user) or user.totp_secret_enc is None:
        return None
    return _enrolment(user, _open(vault, user, user.totp_secret_enc)[0])


def cancel_enrolment(user: User) -> None:
    if not is_enabled(user) and user.totp_secret_enc is not None:
        user.totp_secret_enc = None
        db.session.commit()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code this is, within VALID_WINDOW steps of now (pyotp's check, one step at a time)."""
    totp = _totp(secret)
    if not TOTP_CODE.match(code):
        return None
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        at = now + offset * totp.interval
        if totp.verify(code, for_time=at):
            return totp.timecode(at)
    return None


def _accept_totp(user: User, vault: Vault, code: str, now: float | None) -> bool:
    """Accept a TOTP code once: its step must be later than the last accepted one, swapped in atomically."""
    envelope = user.totp_secret_enc
    if envelope is None:
        return False
    secret, last_step = _open(vault, user, envelope)
    step = _matching_step(secret, code, time.time() if now is None else now)
    if step is None or step <= last_step:
        return False
    swapped = db.session.execute(
        update(User).where(User.id == user.id, User.totp_secret_enc == envelope)
        .values(totp_secret_enc=_seal(vault, user, secret, step)).execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(user)
    return swapped.rowcount == 1


def normalize_code(code: str) -> str:
    """What a person typed, without the spaces and dashes apps and paper add."""
    return re.sub(r"[\s-]", "", code if isinstance(code, str) else "").lower()[:64]


def confirm_enrolment(user: User, vault: Vault, code: str, *, now: float | None = None) -> list[str]:
    """The first code from the app turns TOTP on; returns the recovery codes (shown once)."""
    if is_enabled(user):
        raise Conflict("Two-factor authentication is already on.")
    if user.totp_secret_enc is None:
        raise MfaNotEnabled("No enrolment was started.", hint="Start the set-up again.")
    if not _accept_totp(user, vault, normalize_code(code), now):
        raise MfaCodeInvalid("That code is not right. Check the time of your device and enter the current code.")
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user, vault)
    db.session.commit()
    return codes


def _new_recovery_code() -> str:
    return "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
                    for _ in range(RECOVERY_GROUPS))


def _recovery_digest(vault: Vault, user: User, code: str) -> str:
    return vault.digest(normalize_code(code), context=f"user:{user.id}:recovery")


def _replace_recovery_codes(user: User, vault: Vault) -> list[str]:
    """Forget the old codes, keep digests of fresh ones (the caller commits)."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(vault, user, code)) for code in codes)
    return codes


def _use_recovery_code(user: User, vault: Vault, code: str) -> bool:
    """Spend a recovery code: one atomic UPDATE, so parallel uses of one code succeed once."""
    digest = _recovery_digest(vault, user, code)
    candidates = db.session.execute(select(RecoveryCode.id, RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    match = next((row.id for row in candidates if hmac.compare_digest(row.code_hash, digest)), None)
    if match is None:
        return False
    spent = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == match, RecoveryCode.used_at.is_(None))
                               .values(used_at=utcnow()))
    db.session.commit()
    return spent.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return int(db.session.execute(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one())


def check_code(user: User, vault: Vault, code: str, *, now: float | None = None) -> str:
    """Accept a TOTP code or a recovery code; returns "totp" or "recovery_code"."""
    if not is_enabled(user):
        raise MfaNotEnabled("Two-factor authentication is off for this account.")
    typed = normalize_code(code)
    if TOTP_CODE.match(typed):
        if _accept_totp(user, vault, typed, now):
            return "totp"
    elif typed and _use_recovery_code(user, vault, typed):
        return "recovery_code"
    raise MfaCodeInvalid("That code is not right, or it was used already.",
                         hint="Enter the current code of your authenticator app, or an unused recovery code.")


def check_code_counted(user: User, vault: Vault, code: str, *, source: str, policy: LockoutPolicy,
                       now: float | None = None) -> str:
    """check_code, each try counted first (auth/lockout.py) in the email's password rows and in its own TOTP rows.

    The password rows make a run of wrong codes lock the password form too; the TOTP rows are reset by a right
    code only, so entering the password again (which resets the password rows) never buys fresh guesses.
    """
    if not is_enabled(user):  # nothing to guess: no try is counted
        raise MfaNotEnabled("Two-factor authentication is off for this account.")
    keys = (user.email, second_factor_key(user.email))
    reservations = [lockout.reserve_attempt(key, source, policy) for key in keys]
    ends = [r.locked_until for r in reservations if not r.is_allowed and r.locked_until is not None]
    if ends:
        raise locked_error(max(ends))
    method = check_code(user, vault, code, now=now)
    for key in keys:
        lockout.record_success(key, source, policy)
    return method


def disable(user: User) -> None:
    """Turn TOTP off and forget the secret and the recovery codes (callers check a code or are administrators)."""
    user.totp_secret_enc = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()


def regenerate_recovery_codes(user: User, vault: Vault) -> list[str]:
    """Fresh recovery codes (the old ones stop working); callers check a code first."""
    if not is_enabled(user):
        raise MfaNotEnabled("Two-factor authentication is off for this account.")
    codes = _replace_recovery_codes(user, vault)
    db.session.commit()
    return codes
