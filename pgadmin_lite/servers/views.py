"""Server registrations over HTTP: parse, call the service, render JSON; every route needs a login."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections import short_lived_connections
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.servers import pg_services, service, targets
from pgadmin_lite.servers.fields import FILE_FIELDS, SSH_SECRET_FIELDS
from pgadmin_lite.web.input import json_body

bp = Blueprint("servers", __name__)
SECRET_FIELDS = frozenset({"password", "save_password", *SSH_SECRET_FIELDS, *FILE_FIELDS})  # audited by name only


def _me() -> Principal:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _changed_fields(before: dict[str, Any], after: dict[str, Any], body: dict[str, Any]) -> list[str]:
    """For the audit log, names only: the visible fields whose value changed, and the secret ones sent."""
    return sorted({name for name, value in after.items() if before.get(name) != value} | (set(body) & SECRET_FIELDS))


def _optional_body() -> dict[str, Any]:
    """An absent body is an empty object; a present one must be a JSON object."""
    return json_body() if request.get_data(cache=True) else {}


@bp.get("/api/v1/servers")
def list_servers() -> ResponseReturnValue:
    me = _me()
    credentials = service.credentials_of(me)
    return jsonify([service.server_json(server, me, credentials) for server in service.list_servers(me)])


@bp.get("/api/v1/servers/services")
def list_services() -> ResponseReturnValue:
    """The services of the operator's pg_service.conf (PG_SERVICE_FILE), for the server dialog."""
    return jsonify({"items": pg_services.service_list(pg_services.configured_file())})


@bp.post("/api/v1/servers")
def create_server() -> ResponseReturnValue:
    me = _me()
    server = service.create_server(me, json_body())
    current_app.logger.info("Server %s (%s) registered by %s", server.id, server.name, me.email)
    created = service.server_json(server, me)
    record("server.create", target=f"server:{server.id}", details={
        "name": server.name, "host": server.host, "port": server.port, "is_shared": server.is_shared,
        "fields": sorted(name for name in json_body() if name != "name")})
    return jsonify(created), 201


@bp.post("/api/v1/servers/test")
def check_draft() -> ResponseReturnValue:
    """Test a registration as filled in the dialog, before saving: nothing is saved, the password least of all."""
    me = _me()
    server, password = service.draft_server(me, json_body())
    return jsonify(targets.check_connection(server, me, password=password,
                                            connect_timeout=current_app.config["CONNECT_TIMEOUT"]))


@bp.get("/api/v1/servers/<int:server_id>")
def get_server(server_id: int) -> ResponseReturnValue:
    me = _me()
    return jsonify(service.server_json(service.get_server_for_user(me, server_id), me))


@bp.patch("/api/v1/servers/<int:server_id>")
def update_server(server_id: int) -> ResponseReturnValue:
    me = _me()
    body = json_body()
    server = service.get_owned_server(me, server_id)
    before = service.server_json(server, me)
    server = service.update_server(server, me, body)
    short_lived_connections(current_app).close_server(server.id)  # an address, a password or a share changed
    current_app.logger.info("Server %s updated by %s (%s)", server.id, me.email, sorted(body))
    after = service.server_json(server, me)
    record("server.update", target=f"server:{server.id}",
           details={"name": server.name, "fields": _changed_fields(before, after, body)})
    return jsonify(after)


@bp.delete("/api/v1/servers/<int:server_id>")
def delete_server(server_id: int) -> ResponseReturnValue:
    me = _me()
    server = service.get_owned_server(me, server_id)
    name = server.name
    service.delete_server(server, me)
    short_lived_connections(current_app).close_server(server_id)
    current_app.logger.info("Server %s (%s) deleted by %s", server_id, name, me.email)
    record("server.delete", target=f"server:{server_id}", details={"name": name})
    return "", 204


@bp.post("/api/v1/servers/<int:server_id>/test")
def check_connection(server_id: int) -> ResponseReturnValue:
    me = _me()
    body = _optional_body()
    if set(body) - {"password"}:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(set(body) - {'password'}))}.")
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise BadRequest("password must be a string.", field="password")
    server = service.get_server_for_user(me, server_id)
    return jsonify(targets.check_connection(server, me, password=password,
                                            connect_timeout=current_app.config["CONNECT_TIMEOUT"]))


@bp.put("/api/v1/servers/<int:server_id>/credentials")
def set_credentials(server_id: int) -> ResponseReturnValue:
    me = _me()
    server = service.get_server_for_user(me, server_id)
    body = json_body()
    service.set_credentials(server, me, body)
    current_app.logger.info("Credentials for server %s set by %s", server_id, me.email)
    record("server.credentials", target=f"server:{server_id}", details={"name": server.name, "fields": sorted(body)})
    return jsonify(service.server_json(server, me))


@bp.delete("/api/v1/servers/<int:server_id>/credentials")
def forget_credentials(server_id: int) -> ResponseReturnValue:
    me = _me()
    server = service.get_server_for_user(me, server_id)
    service.forget_credentials(server, me)
    record("server.credentials_forget", target=f"server:{server_id}", details={"name": server.name})
    return "", 204


@bp.delete("/api/v1/servers/<int:server_id>/ssh-host-key")
def forget_host_key(server_id: int) -> ResponseReturnValue:
    me = _me()
    service.forget_host_key(service.get_owned_server(me, server_id), me)
    current_app.logger.info("SSH host key of server %s forgotten by %s", server_id, me.email)
    record("server.ssh_host_key_forget", target=f"server:{server_id}")
    return "", 204
