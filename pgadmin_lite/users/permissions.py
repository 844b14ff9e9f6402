"""The permissions a role grants, the built-in roles' sets, the one server-side check every view makes, and the
declarations by which every endpoint says what it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask
from flask_login import current_user

from pgadmin_lite.errors import PermissionDenied
from pgadmin_lite.models import User

View = TypeVar("View", bound=Callable[..., Any])

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
    """Raise 403 naming what is missing (error.permission: the permission's name); call it before any side effect."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)  # a typo in our code, not a user's fault
    if not has_permission(permission):
        raise _missing(permission, getattr(current_user, "role", USER))


def require_permission_of(user: Any, permission: str) -> None:
    """The same check for a service handed its user: a session Identity (a request) or a User row (the CLI)."""
    granted = getattr(user, "permissions", None)
    if permission not in (granted if granted is not None else permissions_of(user)):
        raise _missing(permission, user.role if isinstance(user.role, str) else role_name(user))


def _missing(permission: str, role: str) -> PermissionDenied:
    return PermissionDenied(f"Your role ({role}) does not allow this: {PERMISSIONS[permission]}.",
                            permission=permission, hint="Ask an administrator to give your role this permission.")


# --- Declarations: every endpoint says what it needs (tests/integration/test_permissions_routes.py walks them) ---
ANY_USER = "any_user"  # any logged-in user (ownership and server access are the view's own checks)
_BLUEPRINT_ACCESS: dict[str, str] = {}  # blueprint name -> ANY_USER or the permission all its endpoints need


def _check_permissions(permissions: tuple[str, ...]) -> None:
    for permission in permissions:
        require_permission(permission)


def requires(*permissions: str) -> Callable[[View], View]:
    """Decorator (under the route's): the view runs only when the role grants every one of these."""
    unknown = set(permissions) - set(PERMISSIONS)
    if unknown:
        raise KeyError(sorted(unknown))

    def mark(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _check_permissions(permissions)
            return view(*args, **kwargs)

        guarded.access = getattr(view, "access", frozenset()) | frozenset(permissions)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return mark


def checks_in_view(*permissions: str) -> Callable[[View], View]:
    """Decorator: the view itself calls require_permission for these when the request needs them (a job's kind,
    another user's backend), so the declaration is the list the route test exercises."""
    unknown = set(permissions) - set(PERMISSIONS)
    if unknown:
        raise KeyError(sorted(unknown))

    def mark(view: View) -> View:
        view.access = getattr(view, "access", frozenset()) | frozenset(permissions)  # type: ignore[attr-defined]
        view.checked_in_view = (getattr(view, "checked_in_view", frozenset())  # type: ignore[attr-defined]
                                | frozenset(permissions))
        return view

    return mark


def blueprint_requires(bp: Blueprint, permission: str) -> None:
    """Every endpoint of the blueprint needs the permission, checked before its view (and before any side effect)."""
    if permission not in PERMISSIONS and permission != ANY_USER:
        raise KeyError(permission)
    _BLUEPRINT_ACCESS[bp.name] = permission
    if permission != ANY_USER:
        bp.before_request(partial(require_permission, permission))


def declared_access(app: Flask, endpoint: str) -> frozenset[str] | None:
    """What the endpoint declared: {ANY_USER} or the permissions it needs; None if it declared nothing."""
    view = app.view_functions.get(endpoint)
    own: frozenset[str] = getattr(view, "access", frozenset())
    blueprint = _BLUEPRINT_ACCESS.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
    if blueprint is None and not own:
        return None
    needed = own | ({blueprint} if blueprint and blueprint != ANY_USER else set())
    return frozenset(needed) or frozenset({ANY_USER})
