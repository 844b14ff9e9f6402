"""Start-up check that every directory the app writes exists (0700) and is writable."""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pgadmin_lite.errors import ConfigError

# Settings that name a directory, and settings that name a file whose directory must exist.
DIR_SETTINGS = ("DATA_DIR", "STORAGE_DIR")
FILE_SETTINGS = ("LOG_FILE", "SQLITE_PATH", "SESSION_DB_PATH", "SECRET_KEY_FILE", "CREDENTIALS_KEY_FILE")


def os_user() -> str:
    """The user the process runs as (its effective uid), not $USER, which a privilege drop keeps."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def ensure_writable_dir(path: Path, setting: str) -> None:
    """Create path (0700) if missing and check the app can write there; one actionable line if not."""
    user = os_user()
    fix = f"run: sudo install -d -o {user} -m 700 {path}  (or sudo chown -R {user} {path})"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create {path} ({setting}) as OS user {user!r}: {exc.strerror}; {fix}") from exc
    if not path.is_dir():
        raise ConfigError(f"{path} ({setting}) is not a directory; point {setting} at a directory.")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{path} ({setting}) is not writable by OS user {user!r}; {fix}")


def ensure_directories(settings: Mapping[str, Any]) -> None:
    seen: set[Path] = set()
    targets = [(Path(settings[name]), name) for name in DIR_SETTINGS]
    targets += [(Path(settings[name]).parent, name) for name in FILE_SETTINGS]
    for path, setting in targets:
        if path not in seen:
            seen.add(path)
            ensure_writable_dir(path, setting)
