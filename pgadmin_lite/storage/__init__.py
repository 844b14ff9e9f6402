"""Per-user file storage: private areas under STORAGE_DIR, shared folders, and their API and page.

Every file operation goes through storage.sandbox; this module wires settings, the user lifecycle
(an area is created with the user and removed or kept when the user is deleted) and the views.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the job worker imports storage.handoff: Flask stays out of it
    from flask import Flask

from pgadmin_lite.errors import AppError, ConfigError
from pgadmin_lite.storage.roots import Share, create_user_root, parse_shares, retire_user_root, user_usage

log = logging.getLogger(__name__)
MIB = 1024 * 1024
# Settings whose files a shared folder must never expose.
PROTECTED_PATHS = ("DATA_DIR", "STORAGE_DIR", "SQLITE_PATH", "SESSION_DB_PATH", "SECRET_KEY_FILE",
                   "CREDENTIALS_KEY_FILE", "LOG_FILE")


@dataclass(frozen=True)
class StorageSettings:
    """The storage settings of one app, validated once at start-up."""

    storage_dir: str
    max_upload_bytes: int
    quota_bytes: int | None
    shares: tuple[Share, ...]
    keep_on_user_delete: bool


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def _check_share_isolation(shares: tuple[Share, ...], config: Mapping[str, Any]) -> None:
    """A share inside or around the data or storage directories would expose keys or other users' files."""
    for share in shares:
        real = os.path.realpath(share.path)
        for setting in PROTECTED_PATHS:
            protected = os.path.realpath(str(config[setting]))
            if _overlaps(real, protected) if setting.endswith("_DIR") else protected.startswith(real + "/"):
                raise ConfigError(f"SHARED_STORAGE {share.name!r} ({share.path}) overlaps {setting} ({protected}); "
                                  "point it at a folder outside pgadmin_lite's data and storage directories.")


def settings_from(config: Mapping[str, Any]) -> StorageSettings:
    """Validate once at start-up, so a bad storage setting stops the app with the fix, not a request."""
    max_upload, quota_mb = config["MAX_UPLOAD_SIZE"], config["STORAGE_QUOTA_MB"]
    if not isinstance(max_upload, int) or max_upload <= 0:
        raise ConfigError(f"MAX_UPLOAD_SIZE must be a positive number of bytes, got {max_upload!r}.")
    if not isinstance(quota_mb, int) or quota_mb < 0:
        raise ConfigError(f"STORAGE_QUOTA_MB must be 0 (no quota) or a positive number of MiB, got {quota_mb!r}.")
    shares = parse_shares(config["SHARED_STORAGE"])
    _check_share_isolation(shares, config)
    return StorageSettings(str(config["STORAGE_DIR"]), max_upload, quota_mb * MIB or None, shares,
                           bool(config["KEEP_STORAGE_ON_USER_DELETE"]))


def storage_settings() -> StorageSettings | None:
    """This app's storage settings, or None outside an app that has storage."""
    from flask import current_app, has_app_context

    return current_app.extensions.get("storage") if has_app_context() else None


def _on_user_created(user: Any, **_: Any) -> None:
    """Give a new user an empty private area (0700); a failure is logged, the area is made on first use."""
    settings = storage_settings()
    if settings is None:
        return
    try:
        create_user_root(settings.storage_dir, user.id)
    except (OSError, AppError) as exc:
        log.warning("Could not create the file area of user %s in %s: %s (run: python setup_db.py doctor)",
                    user.id, settings.storage_dir, exc)


def _on_user_deleted(user_id: int, **_: Any) -> None:
    """Remove a deleted user's area, or keep it renamed aside (KEEP_STORAGE_ON_USER_DELETE)."""
    settings = storage_settings()
    if settings is None:
        return
    try:
        kept = retire_user_root(settings.storage_dir, user_id, keep=settings.keep_on_user_delete)
    except (OSError, AppError) as exc:  # e.g. a planted link: never followed, left for the administrator
        log.warning("Could not retire the file area of deleted user %s: %s", user_id, exc)
        return
    if kept:
        log.info("Kept the files of deleted user %s in %s", user_id, kept)


def user_usage_fields(user_id: int) -> dict[str, int]:
    """storage_bytes and storage_files of a user, for the administrators' user list."""
    settings = storage_settings()
    if settings is None:
        return {"storage_bytes": 0, "storage_files": 0}
    try:
        used, files = user_usage(settings.storage_dir, user_id)
    except (OSError, AppError):  # unreadable, or a root that is a link: shown as empty, reported by doctor
        used, files = 0, 0
    return {"storage_bytes": used, "storage_files": files}


def init_app(app: Flask) -> None:
    """Settings, leftovers of writers that died, the user lifecycle hooks (signals keep users.service unaware of
    storage), the views."""
    from pgadmin_lite.storage.sweep import sweep_orphans
    from pgadmin_lite.storage.views import bp
    from pgadmin_lite.users.signals import user_created, user_deleted

    settings = app.extensions["storage"] = settings_from(app.config)
    sweep_orphans([settings.storage_dir, *(share.path for share in settings.shares)])
    user_created.connect(_on_user_created)  # connecting the same function again is a no-op
    user_deleted.connect(_on_user_deleted)
    app.register_blueprint(bp)
