"""The permissions a role grants, the built-in roles' sets, and the one server-side check every view makes."""

from __future__ import annotations

from flask_login import current_user

from pgadmin_lite.errors import PermissionDenied
from pgadmin_lite.models import User

# Every permission, with the words the role editor shows. The job kinds are those of jobs/options.py.
PERMISSIONS: dict[str, str] = {
    "servers.register": "Register servers",
    "query_tool.use": "Use the query tool",
    "storage.use": "Use the file storage",
    "jobs.backup": "Run backups (pg_dump)",
    "jobs.backup_globals": "Back up globals (pg_dumpall --globals-only)",
    "jobs.restore": "Run restores (pg_restore)",
    "jobs.maintenance": "Run maintenance (VACUUM, ANALYZE, REINDEX, CLUSTER)",
    "jobs.import": "Import CSV files",
    "jobs.export": "Export CSV files",
    "dashboard.cancel": "Cancel other sessions' queries from the dashboard",
    "dashboard.terminate": "Terminate other sessions from the dashboard",
    "sessions.see_others": "See other users' query-tool sessions",
    "users.manage": "Manage users, roles, groups and the audit log",
}
# The built-in User: everything but acting on other people (theirs or the database's) and managing users.
BUILTIN_USER = frozenset(PERMISSIONS) - {"dashboard.cancel", "dashboard.terminate", "sessions.see_others",
                                         "users.manage"}
ADMINISTRATOR = "Administrator"
USER = "User"


def permissions_of(user: User) -> frozenset[str]:
    """Administrator: all; a custom role: its own set (unknown names ignored); no role: the built-in User's."""
    if user.is_admin:
        return frozenset(PERMISSIONS)
    if user.role is not None:
        return frozenset(user.role.permissions or ()) & frozenset(PERMISSIONS)
    return BUILTIN_USER


def role_name(user: User) -> str:
    if user.is_admin:
        return ADMINISTRATOR
    return user.role.name if user.role is not None else USER


def has_permission(permission: str) -> bool:
    """For templates and views: whether the acting user's role grants it."""
    return current_user.is_authenticated and permission in current_user.permissions


def require_permission(permission: str) -> None:
    """Raise 403 naming what is missing; call it before any side effect."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)  # a typo in our code, not a user's fault
    if not has_permission(permission):
        raise PermissionDenied(f"Your role does not allow this: {PERMISSIONS[permission]}.",
                               hint="Ask an administrator to give your role this permission.")
