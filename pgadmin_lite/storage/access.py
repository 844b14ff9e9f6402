"""Which storage root a request names: the one resolve_root that every feature (files, jobs, exports) uses."""

from __future__ import annotations

from flask_login import current_user

from pgadmin_lite.errors import ConfigError
from pgadmin_lite.storage import storage_settings
from pgadmin_lite.storage.roots import HOME, Root, home_root, share_root


def resolve_root(name: str | None, *, user_id: int | None = None, is_admin: bool | None = None,
                 quota: bool = True) -> Root:
    """The user's private area ("home", the default) or a shared folder by name, as that user may use it.

    Without `user_id` it is the logged-in user's; `quota=False` is for cleanup, which must never be refused.
    """
    settings = storage_settings()
    if settings is None:
        raise ConfigError("This app has no file storage.")
    if user_id is None:
        user_id, is_admin = current_user.id, current_user.is_admin
    if not name or name == HOME:
        return home_root(settings.storage_dir, user_id, settings.quota_bytes if quota else None)
    return share_root(settings.shares, name, is_admin=bool(is_admin))
