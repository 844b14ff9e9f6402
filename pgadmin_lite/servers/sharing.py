"""Who a server is shared with, as the API shows and replaces it: everyone, chosen users, roles and groups.

Only an administrator who owns the server shares it; the whole set is validated before anything is written and is
replaced in one transaction, with the credentials of whoever lost access; their open tabs end after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import BadRequest, Conflict, PermissionDenied
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Group, Role, Server, ServerShare, User
from pgadmin_lite.servers import access
from pgadmin_lite.servers.shares import ADMINISTRATOR_ROLE, BUILTIN_USER_ROLE
from pgadmin_lite.users.permissions import ADMINISTRATOR, USER

KINDS = ("users", "roles", "groups")
KIND_OF = {"users": "user", "roles": "role", "groups": "group"}
BUILTIN_ROLES = {USER: BUILTIN_USER_ROLE, ADMINISTRATOR: ADMINISTRATOR_ROLE}
MAX_ENTRIES = 1000  # per list: a bound on one request's work
MAX_ID = 2**31 - 1  # users.id and groups.id are Integer columns


def _ids(server_ids: Iterable[int]) -> dict[int, dict[str, list[int]]]:
    found: dict[int, dict[str, list[int]]] = {sid: {kind: [] for kind in KINDS} for sid in server_ids}
    if not found:
        return found
    rows = db.session.execute(db.select(ServerShare.server_id, ServerShare.kind, ServerShare.target_id)
                              .where(ServerShare.server_id.in_(found)).order_by(ServerShare.target_id))
    for row in rows:
        found[row.server_id][f"{row.kind}s"].append(row.target_id)
    return found


def summaries(servers: Iterable[Server]) -> dict[int, dict[str, Any]]:
    """For the server JSON of their owner, in one query: {"everyone", "users", "roles", "groups"} as ids."""
    by_id = {server.id: server for server in servers}
    return {sid: {"everyone": bool(by_id[sid].is_shared), **ids} for sid, ids in _ids(by_id).items()}


def role_names() -> dict[int, str]:
    """Every role a share may name, by its target id: the two built-in ones, then the custom ones."""
    custom = db.session.execute(db.select(Role.id, Role.name).order_by(Role.name))
    return {BUILTIN_USER_ROLE: USER, ADMINISTRATOR_ROLE: ADMINISTRATOR, **{row.id: row.name for row in custom}}


def shares_json(server: Server) -> dict[str, Any]:
    """The shares with names, for the dialog and the API."""
    ids = _ids([server.id])[server.id]
    users = db.session.execute(db.select(User).where(User.id.in_(ids["users"])).order_by(User.email)).scalars()
    groups = db.session.execute(db.select(Group).where(Group.id.in_(ids["groups"]))
                                .order_by(Group.source, Group.name)).scalars()
    roles = role_names()
    return {"everyone": bool(server.is_shared),
            "users": [{"id": u.id, "email": u.email, "display_name": u.display_name} for u in users],
            "roles": [{"id": rid, "name": roles[rid]} for rid in ids["roles"] if rid in roles],
            "groups": [{"id": g.id, "name": g.name, "source": g.source} for g in groups]}


def targets_json() -> dict[str, Any]:
    """Everyone and everything a server can be shared with (for the dialog's choices)."""
    users = db.session.execute(db.select(User).order_by(User.email)).scalars()
    groups = db.session.execute(db.select(Group).order_by(Group.source, Group.name)).scalars()
    return {"users": [{"id": u.id, "email": u.email, "display_name": u.display_name, "is_active": u.active}
                      for u in users],
            "roles": [{"id": rid, "name": name} for rid, name in role_names().items()],
            "groups": [{"id": g.id, "name": g.name, "source": g.source} for g in groups]}


def _entries(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise BadRequest(f"{key} must be a list.", field=key)
    if len(value) > MAX_ENTRIES:
        raise BadRequest(f"{key} has more than {MAX_ENTRIES} entries.", field=key)
    return value


def storable(ids: list[int]) -> list[int]:
    """The ids an Integer column can hold: asking PostgreSQL about a wider one is an error (a 500), not a miss."""
    return [value for value in ids if 0 < value <= MAX_ID]


def _is_id(value: Any) -> bool:
    """An integer (json_body already refused any wider than 64 bits)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _known(model: type[User] | type[Group], key: str, values: list[Any]) -> set[int]:
    bad = [value for value in values if not _is_id(value)]
    if bad:
        raise BadRequest(f"{key} must list ids (integers); got {str(bad[0])[:40]!r}.", field=key)
    found = set(db.session.execute(db.select(model.id).where(model.id.in_(storable(values)))).scalars())
    missing = sorted(set(values) - found)
    if missing:
        noun = "user" if key == "users" else "group"
        raise BadRequest(f"No {noun} with id {missing[0]}.", field=key,
                         hint=f"List them with GET /api/v1/servers/share-targets ({len(missing)} unknown).")
    return found


def _roles(values: list[Any]) -> set[int]:
    """Role names ("User", "Administrator", a custom role's) or target ids (0, -1, a custom role's id)."""
    names = role_names()
    by_name = {name: rid for rid, name in names.items()}
    chosen: set[int] = set()
    for value in values:
        if isinstance(value, str) and value in by_name:
            chosen.add(by_name[value])
        elif _is_id(value) and value in names:
            chosen.add(value)
        else:
            raise BadRequest(f"No role {str(value)[:80]!r}." if isinstance(value, str) else
                             f"No role {str(value)[:40]}.", field="roles",
                             hint=f"Known roles: {', '.join(sorted(by_name))} (or their ids).")
    return chosen


def clean_shares(server: Server, body: Mapping[str, Any]) -> dict[str, Any]:
    """The wanted set, every entry checked (400 naming the first bad one); absent keys mean none."""
    unknown = sorted(set(body) - {"everyone", *KINDS})
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.", hint="Allowed: everyone, users, roles, groups.")
    everyone = body.get("everyone", False)
    if not isinstance(everyone, bool):
        raise BadRequest("everyone must be true or false.", field="everyone")
    users = _known(User, "users", _entries(body, "users"))
    if server.user_id in users:
        raise BadRequest(f"User {server.user_id} owns this server and always has access to it.", field="users")
    return {"everyone": everyone, "users": users, "roles": _roles(_entries(body, "roles")),
            "groups": _known(Group, "groups", _entries(body, "groups"))}


def replace_shares(server: Server, user: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the whole set; returns the audit details (before, after, who lost access)."""
    if server.user_id != user.id:
        raise PermissionDenied(f"Server {server.name!r} is shared with you; only its owner can share it.")
    if not user.is_admin:
        raise PermissionDenied("Only administrators can share a server or stop sharing it.")
    wanted = clean_shares(server, body)
    before = summaries([server])[server.id]
    try:
        db.session.execute(db.delete(ServerShare).where(ServerShare.server_id == server.id))
        for key in KINDS:
            db.session.add_all(ServerShare(server_id=server.id, kind=KIND_OF[key], target_id=target_id)
                               for target_id in sorted(wanted[key]))
        server.is_shared = wanted["everyone"]
        db.session.flush()
        lost = access.forget_lost_credentials(server_ids=[server.id])
        db.session.commit()
    except IntegrityError:  # another request replaced them at the same moment
        db.session.rollback()
        raise Conflict(f"The shares of {server.name!r} changed at the same moment; send it again.") from None
    except Exception:
        db.session.rollback()
        raise
    access.announce(why=f"the server {server.name!r} is no longer shared with you", server_ids=[server.id])
    return {"before": before, "after": summaries([server])[server.id],
            "credentials_forgotten_for": sorted(user_id for user_id, _ in lost)}
