"""Server registrations: who may see, use and change which server, and saved credentials (targets.py connects).

No Flask globals here; the vault and the server policy are passed in (or, when omitted, taken from the app
handling the request).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from sqlalchemy import or_

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import BadRequest, NotFound, PermissionDenied
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential
from pgadmin_lite.servers import access, current_policy, pg_services, shares, sharing
from pgadmin_lite.servers.fields import FIELDS, FILE_FIELDS, SSH_SECRET_FIELDS, clean_fields
from pgadmin_lite.servers.policy import ServerPolicy
from pgadmin_lite.servers.signals import server_access_lost, server_made_read_only
from pgadmin_lite.servers.vault import Vault, associated_data, current_vault

WRITABLE = frozenset({*FIELDS, *FILE_FIELDS, *SSH_SECRET_FIELDS, "password", "save_password", "is_shared"})
TARGET_FIELDS = frozenset({"host", "port", "connect_params", "service", "ssh_tunnel"})  # what the server policy judges


def _files() -> ModuleType:
    """connect_files (imported late: it reads the vault's secrets, whose module needs this one)."""
    from pgadmin_lite.servers import connect_files
    return connect_files


# --- Access ---------------------------------------------------------------------------------------------------

def list_servers(user: Principal) -> list[Server]:
    """The user's own servers, those shared with everyone and those shared with them (servers/shares.py)."""
    query = (db.select(Server).where(or_(Server.user_id == user.id, Server.is_shared.is_(True),
                                         Server.id.in_(shares.shared_server_ids(user.id))))
             .order_by(Server.group_name, Server.name, Server.id))
    return list(db.session.execute(query).scalars())


def can_use(server: Server, user: Principal) -> bool:
    return server.user_id == user.id or server.is_shared or shares.is_shared_with(server.id, user.id)


def get_server_for_user(user: Principal, server_id: int) -> Server:
    """A server the user owns or that is shared; anything else is 404, so ids reveal nothing."""
    server = db.session.get(Server, server_id)
    if server is None or not can_use(server, user):
        raise NotFound(f"No server with id {server_id}.")
    return server


def is_still_usable(user: Principal, server_id: int) -> bool:
    """Read again, not from this request's identity map: was the server unshared or deleted since it was read?"""
    db.session.expire_all()
    server = db.session.get(Server, server_id)
    return server is not None and can_use(server, user)


def get_owned_server(user: Principal, server_id: int) -> Server:
    """A server the user may change: 404 if invisible, 403 if only shared with them."""
    server = get_server_for_user(user, server_id)
    if server.user_id != user.id:
        raise PermissionDenied(f"Server {server.name!r} is shared with you; only its owner can change it.")
    return server


def user_credential(server: Server, user: Principal) -> ServerCredential | None:
    return db.session.execute(
        db.select(ServerCredential).filter_by(server_id=server.id, user_id=user.id)).scalar_one_or_none()


def credentials_of(user: Principal) -> dict[int, ServerCredential]:
    """All of a user's credential records by server id, so a list needs one query, not one per server."""
    rows = db.session.execute(db.select(ServerCredential).filter_by(user_id=user.id)).scalars()
    return {cred.server_id: cred for cred in rows}


def server_json(server: Server, user: Principal, credentials: Mapping[int, ServerCredential] | None = None,
                share_summaries: Mapping[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The API view of a server for one user: their username and saved-password flag, never a secret; for its
    owner, who it is shared with (servers/sharing.py summaries, given for a list)."""
    cred = user_credential(server, user) if credentials is None else credentials.get(server.id)
    is_owner = server.user_id == user.id
    owned: dict[str, Any] = {}
    if is_owner:
        summary = share_summaries.get(server.id) if share_summaries is not None else None
        owned["shares"] = summary or sharing.summaries([server])[server.id]
    return {"id": server.id, "name": server.name, "group": server.group_name, "host": server.host,
            "port": server.port, "maintenance_db": server.maintenance_db,
            "username": (cred.username if cred else None) or server.username, "sslmode": server.sslmode,
            "connect_params": dict(server.connect_params or {}), "query_modes": dict(server.query_modes or {}),
            "comment": server.comment, "role": server.role, "db_restriction": list(server.db_restriction or []),
            "colors": dict(server.colors or {}), "read_only": bool(server.read_only),
            "post_connection_sql": server.post_connection_sql, "query_defaults": dict(server.query_defaults or {}),
            "has_saved_password": bool(cred and cred.password_enc),
            "is_shared": server.is_shared, "is_owner": is_owner, **owned,
            **_files().changes_json(server, user, cred), **ssh.tunnel_json(server, user)}


# --- Create, change, delete -----------------------------------------------------------------------------------

def _check_known(body: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.", hint=f"Allowed: {', '.join(sorted(allowed))}.")


def _password_change(body: Mapping[str, Any], *, has_saved: bool) -> tuple[bool | None, str | None]:
    """(save_password, password) after the rules: a password is only ever accepted to be saved."""
    save, password = body.get("save_password"), body.get("password")
    if save is not None and not isinstance(save, bool):
        raise BadRequest("save_password must be true or false.", field="save_password")
    if password is not None and (not isinstance(password, str) or not password or len(password) > 1024):
        raise BadRequest("password must be a non-empty string of at most 1024 characters.", field="password")
    if password is not None and save is not True:
        raise BadRequest("password is only accepted with save_password: true (it is then saved, encrypted).",
                         field="password", hint="To connect once without saving, send the password when connecting.")
    if save is True and password is None and not has_saved:
        raise BadRequest("password is required when save_password is true.", field="password")
    return save, password


def _check_sharing(body: Mapping[str, Any], user: Principal, current: bool) -> bool | None:
    value = body.get("is_shared")
    if value is None:
        return None
    if not isinstance(value, bool):
        raise BadRequest("is_shared must be true or false.", field="is_shared")
    if value != current and not user.is_admin:
        raise PermissionDenied("Only administrators can share a server or stop sharing it.")
    return value


def _store_password(server: Server, user: Principal, save: bool | None, password: str | None,
                    vault: Vault | None) -> None:
    """Save (encrypted, bound to this server and user) or erase the user's password for a server."""
    if save is None:
        return
    cred = user_credential(server, user)
    if save is False:
        if cred is not None:
            cred.password_enc = None
        return
    if password is None:
        return  # save_password: true alone keeps the saved one
    if cred is None:
        cred = ServerCredential(server_id=server.id, user_id=user.id)
        db.session.add(cred)
    cred.password_enc = (vault or current_vault()).encrypt(password, aad=associated_data(server.id, user.id))


def _check_target(server: Server | None, fields: Mapping[str, Any], policy: ServerPolicy | None) -> None:
    """The registration as it would be after the change must satisfy the server policy (before anything is saved)."""
    if server is not None and not TARGET_FIELDS & set(fields):
        return  # a rename or a regrouping points nowhere new
    stored = {name: getattr(server, name) for name in TARGET_FIELDS} if server is not None else {}
    target = {**stored, **fields}
    if not target.get("host") and target.get("service"):  # a service-only entry: where the service points
        service = pg_services.service_params(target["service"], pg_services.configured_file())
        target.update(host=service.get("host", ""), port=service.get("port", target["port"]))
    ssh.check_target(policy or current_policy(), target)


def create_server(owner: Principal, body: Mapping[str, Any], *, vault: Vault | None = None,
                  policy: ServerPolicy | None = None) -> Server:
    """Register a server for its owner, optionally saving the password."""
    _check_known(body, WRITABLE)
    fields = clean_fields({k: v for k, v in body.items() if k in FIELDS}, is_new=True)
    files = _files().clean_changes(owner, body)
    _check_target(None, fields, policy)
    save, password = _password_change(body, has_saved=False)
    is_shared = _check_sharing(body, owner, False)
    ssh_changes = ssh.secret_changes(owner, body)
    server = Server(user_id=owner.id, group_name=fields.pop("group"), is_shared=bool(is_shared), **fields)
    db.session.add(server)
    try:
        db.session.flush()  # the id binds the saved password to this row
        _store_password(server, owner, save, password, vault)
        _files().apply_changes(server, owner, files, vault)
        ssh.save_secrets(server, owner, ssh_changes, vault)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return server


def update_server(server: Server, user: Principal, body: Mapping[str, Any], *, vault: Vault | None = None,
                  policy: ServerPolicy | None = None) -> Server:
    """Apply a partial change by the owner; save_password false erases the saved password; un-sharing ends the
    credentials and query tools of the users it leaves without access (servers/access.py)."""
    if server.user_id != user.id:
        raise PermissionDenied(f"Server {server.name!r} is shared with you; only its owner can change it.")
    _check_known(body, WRITABLE)
    fields = clean_fields({k: v for k, v in body.items() if k in FIELDS}, is_new=False)
    files = _files().clean_changes(user, body)
    _check_target(server, fields, policy)
    cred = user_credential(server, user)
    save, password = _password_change(body, has_saved=bool(cred and cred.password_enc))
    is_shared = _check_sharing(body, user, server.is_shared)
    ssh_changes = ssh.secret_changes(user, body)
    if "ssh_tunnel" in fields:
        ssh.forget_host_key_if_moved(server, fields["ssh_tunnel"])
    if "group" in fields:
        server.group_name = fields.pop("group")
    is_made_read_only = fields.get("read_only") is True and not server.read_only
    for name, value in fields.items():
        setattr(server, name, value)
    is_unshared = is_shared is False and server.is_shared
    try:
        _files().check_address(server)
        _store_password(server, user, save, password, vault)
        _files().apply_changes(server, user, files, vault)
        ssh.save_secrets(server, user, ssh_changes, vault)
        if is_shared is not None:
            server.is_shared = is_shared
        if is_unshared:
            db.session.flush()
            access.forget_lost_credentials(server_ids=[server.id])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if is_unshared:
        access.announce(why=f"the server {server.name!r} is no longer shared with you", server_ids=[server.id])
    if is_made_read_only:
        server_made_read_only.send(server.id)
    return server


def delete_server(server: Server, user: Principal) -> None:
    """Only the owner deletes; the credentials of every user, and every open query tool on it, go with the server."""
    if server.user_id != user.id:
        raise PermissionDenied(f"Server {server.name!r} is shared with you; only its owner can delete it.")
    server_id, name = server.id, server.name
    db.session.execute(db.delete(ServerCredential).where(ServerCredential.server_id == server_id))
    db.session.delete(server)
    db.session.commit()
    server_access_lost.send(server_id, keep_user=None, reason=(
        f"The server {name!r} was deleted, which closed this query tool; any open transaction was rolled back."))


# --- Testing a registration before it is saved -----------------------------------------------------------------

KEPT_OUT_OF_DRAFTS = frozenset({"id", "user_id", "group_name", "is_shared", "created_at", "updated_at"})


def draft_server(user: Principal, body: Mapping[str, Any], *, policy: ServerPolicy | None = None
                 ) -> tuple[Server, str | None]:
    """The registration as the dialog holds it (validated and policy-checked as a save would be, never added to
    the session) and the password typed for it. With server_id (the owner editing it) the saved registration
    fills what the body leaves out, and its saved password serves when none is typed."""
    _check_known(body, WRITABLE | {"server_id"})
    server_id, password = body.get("server_id"), body.get("password")
    if password is not None and (not isinstance(password, str) or len(password) > 1024):
        raise BadRequest("password must be a string of at most 1024 characters.", field="password")
    if server_id is not None and (not isinstance(server_id, int) or isinstance(server_id, bool)):
        raise BadRequest("server_id must be an integer.", field="server_id")
    saved = get_owned_server(user, server_id) if server_id is not None else None
    fields = clean_fields({k: v for k, v in body.items() if k in FIELDS}, is_new=saved is None)
    files = _files().clean_changes(user, body)
    _check_target(saved, fields, policy)
    base = {attr.key: getattr(saved, attr.key) for attr in Server.__mapper__.column_attrs
            if attr.key not in KEPT_OUT_OF_DRAFTS} if saved is not None else {}
    fields.pop("group", None)
    draft = Server(**{**base, **fields}, user_id=user.id)
    if saved is not None:
        draft.id = saved.id  # its saved credentials (password, secrets) are bound to this id
    _files().apply_to_draft(draft, files)
    ssh.prepare_draft(draft, saved, ssh.secret_changes(user, body))
    return draft, password or None


# --- A user's own credentials ---------------------------------------------------------------------------------

def set_credentials(server: Server, user: Principal, body: Mapping[str, Any], *, vault: Vault | None = None) -> None:
    """A user's own username, saved password and SSH secrets for a server (for a shared one, instead of the owner's).

    The username is replaced (absent: the registration's); the password follows the save_password rules.
    """
    _check_known(body, frozenset({"username", "password", "save_password", "tls_client", "passfile",
                                  *SSH_SECRET_FIELDS}))
    files = _files().clean_changes(user, body)
    username = body.get("username")
    if username is not None:
        username = clean_fields({"username": username}, is_new=False)["username"]
    cred = user_credential(server, user)
    save, password = _password_change(body, has_saved=bool(cred and cred.password_enc))
    ssh_changes = ssh.secret_changes(user, body)
    if server.user_id == user.id:
        if username is not None:
            server.username = username  # the owner's credentials are the registration's
    else:
        if cred is None:
            cred = ServerCredential(server_id=server.id, user_id=user.id)
            db.session.add(cred)
        cred.username = username  # none: the registration's username
    try:
        db.session.flush()
        _store_password(server, user, save, password, vault)
        _files().apply_changes(server, user, files, vault)
        ssh.save_secrets(server, user, ssh_changes, vault)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def forget_credentials(server: Server, user: Principal) -> None:
    """Drop the user's own username and saved password for a server."""
    db.session.execute(db.delete(ServerCredential).filter_by(server_id=server.id, user_id=user.id))
    db.session.commit()


def forget_host_key(server: Server, user: Principal) -> None:
    """The owner forgets the bastion's trusted host key: the next connection trusts the key it is shown."""
    if server.user_id != user.id:
        raise PermissionDenied(f"Server {server.name!r} is shared with you; only its owner can forget its host key.")
    server.ssh_host_key = None
    db.session.commit()


from pgadmin_lite.servers import ssh  # noqa: E402  (ssh reads secrets, which use user_credential above)
