"""The registration fields that bring files to a connection: TLS material, the operator's service and the
user's passfile. Validated before anything is saved, stored after, shown without contents, used at connect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import BadRequest, NotFound
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential
from pgadmin_lite.servers import pg_services, pgpass, tls
from pgadmin_lite.servers.secrets import write_secrets
from pgadmin_lite.servers.vault import Vault

_UNSET = object()


@dataclass
class Changes:
    """What a request changes of these fields, validated."""

    tls_files: dict[str, Any] = field(default_factory=dict)
    tls_client: dict[str, str | None] = field(default_factory=dict)
    passfile: Any = _UNSET  # a path in the user's area, None (forget it) or unset


def clean_changes(user: Principal, body: Mapping[str, Any], *, service_file: str | None = None) -> Changes:
    """Read the picked files now (a bad path, mode or PEM is a 400 before anything is saved)."""
    changes = Changes()
    if body.get("tls_files") is not None:
        changes.tls_files = tls.clean_tls_files(user, body["tls_files"])
    if body.get("tls_client") is not None:
        changes.tls_client = tls.clean_tls_client(user, body["tls_client"])
    if "passfile" in body:
        path = body["passfile"]
        if path not in (None, ""):
            if not isinstance(path, str):
                raise BadRequest("passfile must be a path in your file area (or null).", field="passfile")
            pgpass.read_passfile(user, path)
        changes.passfile = path or None
    if body.get("service"):
        pg_services.check_service(body["service"], pg_services.configured_file() if service_file is None
                                  else service_file)
    return changes


def check_address(server: Server) -> None:
    if not server.host and not server.service:
        raise BadRequest("host is required (or a service of the operator's service file).", field="host")


def apply_changes(server: Server, user: Principal, changes: Changes, vault: Vault | None = None) -> None:
    """Store the changes in the session (the server has its id); the caller commits."""
    if changes.tls_files:
        if server.user_id != user.id:
            raise BadRequest("Only the server's owner can change its shared TLS files.", field="tls_files")
        tls.apply_tls_files(server, changes.tls_files)
    if changes.tls_client:
        write_secrets(server, user, changes.tls_client, vault)
    if changes.passfile is not _UNSET:
        cred = _credential(server, user, create=changes.passfile is not None)
        if cred is not None:
            cred.passfile = changes.passfile


def apply_to_draft(draft: Server, changes: Changes) -> None:
    """A registration tested before it is saved uses the files picked for it (its client ones only for the test)."""
    tls.apply_tls_files(draft, changes.tls_files)
    draft.draft_secrets = changes.tls_client  # type: ignore[attr-defined]  # never stored: the draft is not added


def _credential(server: Server, user: Principal, *, create: bool) -> ServerCredential | None:
    cred = db.session.execute(db.select(ServerCredential).filter_by(server_id=server.id, user_id=user.id)
                              ).scalar_one_or_none()
    if cred is None and create:
        cred = ServerCredential(server_id=server.id, user_id=user.id)
        db.session.add(cred)
    return cred


def changes_json(server: Server, user: Principal, cred: ServerCredential | None,
                 vault: Vault | None = None) -> dict[str, Any]:
    """For the API: file names and which secrets are saved, never a content."""
    return {**tls.tls_json(server, user, cred, vault), "service": server.service,
            "passfile": cred.passfile if cred else None}


def with_service(server: Server, params: dict[str, Any], service_file: str | None = None) -> dict[str, Any]:
    """params on top of the operator's service (the registration's values win, as in libpq); a service-only
    entry (no host) connects where the service points."""
    if not server.service:
        return params
    path = pg_services.configured_file() if service_file is None else service_file
    if not path:
        raise BadRequest(f"Server {server.name!r} names the service {server.service!r}, but no service file "
                         "is configured.", hint="An administrator can set PG_SERVICE_FILE in config_local.py.")
    service = pg_services.service_params(server.service, path)
    if server.host:  # the registration says where: none of the service's address applies
        return {**{key: value for key, value in service.items() if key not in pg_services.ADDRESS}, **params}
    where = {key: service[key] for key in pg_services.ADDRESS if key in service}
    return {**service, **params, "host": "", **where}


def passfile_password(user: Principal, cred: ServerCredential | None, params: Mapping[str, Any]) -> str | None:
    """The matching entry's password from the user's passfile (None: no passfile or no matching entry)."""
    if cred is None or not cred.passfile:
        return None
    try:
        return pgpass.password_for(user, cred.passfile, params)
    except NotFound as exc:
        raise BadRequest(f"The password file {cred.passfile} chosen for this server cannot be read: {exc.message}",
                         field="passfile", hint="Choose another one in the server dialog, or remove it.") from None
