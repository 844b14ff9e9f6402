"""Text a user picked from their own file area for a server registration (a key, a certificate, a passfile):
read through the storage sandbox, so a registration can never name a file of the web host."""

from __future__ import annotations

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.storage.access import resolve_root
from pgadmin_lite.storage.files import read_text
from pgadmin_lite.users.permissions import require_permission_of


def read_user_file(user: Principal, path: object) -> str:
    """The UTF-8 text of path in the user's private area (storage's own 400s and 404s when it cannot be).

    Picking a file from storage is using storage: a role without storage.use is refused (403) before any read.
    """
    require_permission_of(user, "storage.use")
    return read_text(resolve_root(None, user_id=user.id, is_admin=user.is_admin), path)["text"]
