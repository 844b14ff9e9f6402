"""Validation of the post-login `next` target: only paths under the app's own prefix."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, script_root: str) -> str | None:
    """Return target if it is a local path under script_root, else None."""
    if not target or len(target) > 2048 or any(ch in target for ch in "\\\r\n\t\0"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    root = script_root.rstrip("/") + "/"
    if not parts.path.startswith(root) or "/../" in parts.path + "/" or "/./" in parts.path + "/":
        return None
    return target
