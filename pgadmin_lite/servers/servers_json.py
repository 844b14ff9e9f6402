"""pgAdmin's servers.json: parse and validate a whole file before writing anything, and export without secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server
from pgadmin_lite.servers.fields import clean_fields
from pgadmin_lite.servers.policy import ServerPolicy, check_registration
from pgadmin_lite.web.json_input import parse_json

# pgAdmin key -> our field, and the label used in messages.
KEYS = {"Name": "name", "Group": "group", "Host": "host", "Port": "port", "MaintenanceDB": "maintenance_db",
        "Username": "username", "SSLMode": "sslmode"}
LABELS = {ours: theirs for theirs, ours in KEYS.items()} | {"connect_params": "ConnectionParameters"}
REQUIRED = ("Name", "Host", "Port", "MaintenanceDB", "Username")
# Older pgAdmin files kept some libpq parameters as top-level keys.
LEGACY_PARAMS = {"Timeout": "connect_timeout", "HostAddr": "hostaddr", "SSLCert": "sslcert", "SSLKey": "sslkey",
                 "SSLRootCert": "sslrootcert", "SSLCrl": "sslcrl", "SSLCompression": "sslcompression"}
SECRET_KEYS = frozenset({"Password", "PassFile"})
SECRET_PARAMS = frozenset({"password", "passfile", "sslpassword"})
STORAGE_PLACEHOLDER = "<STORAGE_DIR>"


class ServersFileError(BadRequest):
    """A servers.json file that cannot be imported; every offending entry is named."""

    code = "invalid_servers_file"


@dataclass
class ParsedServers:
    """The validated entries of a file, ready to insert, and what was ignored."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _entry_label(key: str, entry: Any) -> str:
    name = entry.get("Name") if isinstance(entry, dict) else None
    return f'Servers/"{key}"' + (f' ("{name}")' if isinstance(name, str) else "")


def _connection_parameters(entry: dict[str, Any], where: str, warnings: list[str]) -> tuple[dict[str, Any], Any]:
    """ConnectionParameters (plus legacy top-level keys) without secrets; returns (params, sslmode or None)."""
    params = entry.get("ConnectionParameters", {})
    if not isinstance(params, dict):
        raise BadRequest("ConnectionParameters must be an object")
    params = {**{ours: entry[theirs] for theirs, ours in LEGACY_PARAMS.items() if theirs in entry}, **params}
    for name in sorted(SECRET_PARAMS & set(params)):
        warnings.append(f"{where}: ConnectionParameters.{name} ignored; secrets are never imported.")
        del params[name]
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith(STORAGE_PLACEHOLDER):
            warnings.append(f"{where}: ConnectionParameters.{name} ({value}) ignored; pgAdmin's storage "
                            "placeholder has no meaning here.")
            del params[name]
    return params, params.pop("sslmode", None)


def _parse_entry(entry: Any, where: str, warnings: list[str], *, may_share: bool, policy: ServerPolicy
                 ) -> dict[str, Any]:
    """One entry as Server column values; raises BadRequest with a message naming the pgAdmin key."""
    if not isinstance(entry, dict):
        raise BadRequest("must be an object")
    missing = [key for key in REQUIRED if key not in entry]
    if missing:
        raise BadRequest(f"missing required key(s) {', '.join(missing)}")
    for key in sorted(SECRET_KEYS & set(entry)):
        warnings.append(f"{where}: {key} ignored; passwords are never imported (save them in the web console).")
    params, sslmode = _connection_parameters(entry, where, warnings)
    data = {ours: entry[theirs] for theirs, ours in KEYS.items() if theirs in entry}
    if sslmode is not None:
        data["sslmode"] = sslmode
    data["connect_params"] = params
    fields = clean_fields(data, is_new=True, labels=LABELS)
    check_registration(policy, fields["host"], fields["port"], fields["connect_params"], labels=LABELS)
    shared = entry.get("Shared", False)
    if shared is True and not may_share:
        warnings.append(f"{where}: Shared ignored; only an administrator's servers can be shared.")
    return {"name": fields["name"], "group_name": fields["group"], "host": fields["host"], "port": fields["port"],
            "maintenance_db": fields["maintenance_db"], "username": fields["username"],
            "sslmode": fields["sslmode"], "connect_params": fields["connect_params"],
            "is_shared": shared is True and may_share}


def _unused_keys(servers: dict[str, Any]) -> list[str]:
    known = {*KEYS, *LEGACY_PARAMS, *SECRET_KEYS, "ConnectionParameters", "Shared"}
    unused = sorted({key for entry in servers.values() if isinstance(entry, dict) for key in entry} - known)
    return [f"Ignored keys pgadmin_lite does not use: {', '.join(unused)}."] if unused else []


def parse_servers_file(text: str, *, policy: ServerPolicy, may_share: bool = False, source: str = "servers.json"
                       ) -> ParsedServers:
    """Validate every entry (fields and server policy) first; any invalid entry rejects the whole file, naming each."""
    try:
        document = parse_json(text)
    except BadRequest as exc:
        raise ServersFileError(f"{source} was refused ({exc.message.rstrip('.')}); nothing was imported.") from None
    servers = document.get("Servers") if isinstance(document, dict) else None
    if not isinstance(servers, dict):
        raise ServersFileError(f'{source} must hold an object {{"Servers": {{"1": {{...}}, ...}}}}; '
                               "nothing was imported.")
    parsed = ParsedServers(warnings=_unused_keys(servers))
    errors: list[str] = []
    for key, entry in servers.items():
        where = _entry_label(key, entry)
        try:
            parsed.entries.append(_parse_entry(entry, where, parsed.warnings, may_share=may_share, policy=policy))
        except BadRequest as exc:
            errors.append(f"{where}: {exc.message}")
    if errors:
        raise ServersFileError(f"{source} has {len(errors)} invalid entr{'y' if len(errors) == 1 else 'ies'}; "
                               "nothing was imported:\n  " + "\n  ".join(errors), errors=errors)
    return parsed


def load_servers(user: Principal, parsed: ParsedServers, *, replace: bool = False) -> int:
    """Write all entries in one transaction; --replace first deletes the user's own non-shared servers."""
    try:
        if replace:
            db.session.execute(db.delete(Server).where(Server.user_id == user.id, Server.is_shared.is_(False)))
        db.session.add_all(Server(user_id=user.id, **entry) for entry in parsed.entries)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(parsed.entries)


def dump_servers(user: Principal) -> dict[str, Any]:
    """The user's own servers in pgAdmin's format; passwords are never exported."""
    owned = db.session.execute(db.select(Server).filter_by(user_id=user.id).order_by(Server.id)).scalars()
    servers: dict[str, Any] = {}
    for number, server in enumerate(owned, start=1):
        entry: dict[str, Any] = {
            "Name": server.name, "Group": server.group_name, "Host": server.host, "Port": server.port,
            "MaintenanceDB": server.maintenance_db, "Username": server.username,
            "ConnectionParameters": {"sslmode": server.sslmode, **(server.connect_params or {})},
        }
        if server.is_shared:
            entry["Shared"] = True
        servers[str(number)] = entry
    return {"Servers": servers}
