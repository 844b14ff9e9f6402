"""Secret key files kept outside the config DB and the source tree, created 0600 by setup-db."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pgadmin_lite.errors import ConfigError


def create_key_file(path: str, nbytes: int = 32) -> bool:
    """Write a new random key unless the file exists; True if it was created."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(nbytes) + "\n")
    return True


def read_key_file(path: str, setting: str) -> str:
    """Read a key file, or explain how to create it."""
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"{path} ({setting}) does not exist; run: python setup_db.py setup-db") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path} ({setting}): {exc.strerror}; "
                          "check that the web server's user owns it.") from exc
    if len(value) < 32:
        raise ConfigError(f"{path} ({setting}) holds a key that is too short; delete it and run setup-db.")
    return value
