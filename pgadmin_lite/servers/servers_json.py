"""pgAdmin's servers.json: parse and validate a whole file before anything is written, and export without secrets.

Every key either lands in a column, names a file in the owner's file area (read at import), or is reported by name
as not supported; a key whose value means "off" or "none" (KerberosAuthentication: false) loses nothing and is
not reported. Passwords are never imported or exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import BadRequest
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential
from pgadmin_lite.servers import servers_json_fields as extra
from pgadmin_lite.servers.fields import CONNECT_PARAMS, clean_fields
from pgadmin_lite.servers.policy import SYSTEM_ROOT_CERT, ServerPolicy, check_registration
from pgadmin_lite.web.json_input import parse_json

# pgAdmin key -> our field, and the label used in messages.
KEYS = {"Name": "name", "Group": "group", "Host": "host", "Port": "port", "MaintenanceDB": "maintenance_db",
        "Username": "username", "SSLMode": "sslmode"}
LABELS = {ours: theirs for theirs, ours in KEYS.items()} | {"connect_params": "ConnectionParameters"}
DEFAULTS = {"group": "Servers", "port": 5432, "sslmode": "prefer"}
# Older pgAdmin files kept some libpq parameters as top-level keys.
LEGACY_PARAMS = {"Timeout": "connect_timeout", "HostAddr": "hostaddr", "SSLCert": "sslcert", "SSLKey": "sslkey",
                 "SSLRootCert": "sslrootcert", "SSLCrl": "sslcrl", "SSLCompression": "sslcompression",
                 "PassFile": "passfile"}
OTHER_KEYS = ("Role", "Comment", "Shared", "SharedUsername", "DBRestriction", "DBRestrictionType", "BGColor",
              "FGColor", "Service", "UseSSHTunnel", *extra.TUNNEL_KEYS, "PostConnectionSQL", "ConnectionParameters",
              "KerberosAuthentication", "Password", extra.EXTENSION)
KNOWN_KEYS = frozenset({*KEYS, *LEGACY_PARAMS, *OTHER_KEYS})
NEVER_IMPORTED = ("password", "sslpassword")
# Where a file's content goes: the server's shared TLS files, or the owner's secrets (servers/secrets.py).
FILE_PARAMS = {"sslrootcert": "tls", "sslcrl": "tls", "sslcert": "secret", "sslkey": "secret"}
STORAGE_PLACEHOLDER = "<STORAGE_DIR>"
CP = "ConnectionParameters"


class ServersFileError(BadRequest):
    """A servers.json file that cannot be imported; every offending entry is named."""

    code = "invalid_servers_file"


@dataclass(frozen=True)
class FileRef:
    """A path the file names, to be read from the owner's file area: into tls_files, a secret, or the passfile."""

    label: str  # the file's key, e.g. "ConnectionParameters.sslrootcert" or "TunnelIdentityFile"
    target: str  # "tls:sslrootcert", "secret:ssh_key", "passfile"
    path: str
    is_default: bool = False  # pgAdmin's "<STORAGE_DIR>/.postgresql/…" defaults: libpq skips them when missing


@dataclass
class ParsedEntry:
    """One entry: its column values, the files it names, and what it has that we do not keep."""

    key: str
    where: str
    columns: dict[str, Any]
    files: list[FileRef] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ParsedServers:
    """The validated entries of a file, ready to insert."""

    entries: list[ParsedEntry] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Per entry, one line for what is not supported and one per note (the CLI prints them)."""
        lines = []
        for entry in self.entries:
            if entry.unsupported:
                lines.append(f"{entry.where}: not supported, not imported: {', '.join(entry.unsupported)}.")
            lines.extend(f"{entry.where}: {note}" for note in entry.notes)
        return lines


def _entry_label(key: str, entry: Any) -> str:
    name = entry.get("Name") if isinstance(entry, dict) else None
    return f'Servers/"{key}"' + (f' ("{name}")' if isinstance(name, str) else "")


def _file_ref(label: str, target: str, value: Any) -> FileRef:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{label} must be a path in your file area", field=label)
    if value.startswith(STORAGE_PLACEHOLDER):
        return FileRef(label, target, value[len(STORAGE_PLACEHOLDER):] or "/", is_default=True)
    return FileRef(label, target, value)


def _connection_parameters(entry: dict[str, Any], parsed: ParsedEntry, policy: ServerPolicy) -> dict[str, Any]:
    """ConnectionParameters (plus legacy top-level keys): files become FileRefs, secrets and unknowns are reported."""
    params = entry.get(CP, {})
    if not isinstance(params, dict):
        raise BadRequest(f"{CP} must be an object")
    params = {**{ours: entry[theirs] for theirs, ours in LEGACY_PARAMS.items() if theirs in entry}, **params}
    for name in NEVER_IMPORTED:
        if params.pop(name, None) is not None:
            parsed.notes.append(f"{CP}.{name} ignored; secrets are never imported (save them in the server dialog).")
    if params.get("passfile") not in (None, ""):
        parsed.files.append(_file_ref(f"{CP}.passfile", "passfile", params["passfile"]))
    params.pop("passfile", None)
    for name, kind in FILE_PARAMS.items():
        value = params.get(name)
        if value in (None, "") or (name == "sslrootcert" and value == SYSTEM_ROOT_CERT):
            continue
        if isinstance(value, str) and policy.is_trusted_path(value):
            continue  # a system file the operator trusts stays a path
        parsed.files.append(_file_ref(f"{CP}.{name}", f"{kind}:{name}", params.pop(name)))
    for name in sorted(set(params) - set(CONNECT_PARAMS) - {"sslmode"}):
        value = params.pop(name)
        if not extra.is_neutral(value):
            parsed.unsupported.append(f"{CP}.{name}")
    return params


def _check_required(entry: dict[str, Any]) -> None:
    has_service = entry.get("Service") not in (None, "")
    required = ["Name", "MaintenanceDB"]
    if not has_service:
        params = entry.get(CP)
        has_hostaddr = "HostAddr" in entry or (isinstance(params, dict) and "hostaddr" in params)
        required += ["Port"] + ([] if has_hostaddr else ["Host"])
    if "SharedUsername" not in entry:
        required.append("Username")
    missing = [key for key in ("Name", "Host", "Port", "MaintenanceDB", "Username")
               if key in required and key not in entry]
    if missing:
        raise BadRequest(f"missing required key(s) {', '.join(missing)}")


def _basic_fields(entry: dict[str, Any], params: dict[str, Any], parsed: ParsedEntry) -> dict[str, Any]:
    """The API's fields (through clean_fields); a Host-less entry uses its hostaddr, or the service alone."""
    data = {**DEFAULTS, **{ours: entry[theirs] for theirs, ours in KEYS.items() if theirs in entry}}
    shared_username = entry.get("SharedUsername")
    if "username" not in data:
        data["username"] = shared_username
    elif shared_username not in (None, "", data["username"]):
        parsed.unsupported.append("SharedUsername")  # each user of a shared server sets their own username
    if "sslmode" in params:
        data["sslmode"] = params.pop("sslmode")
    if "host" not in data and params.get("hostaddr"):
        data["host"] = params["hostaddr"]
    data["connect_params"] = params
    return clean_fields(data, is_new=False, labels=LABELS)


def _restriction(entry: dict[str, Any], parsed: ParsedEntry) -> list[str]:
    kind = entry.get("DBRestrictionType", "databases")
    if kind in (None, "", "databases"):
        return extra.databases(entry.get("DBRestriction"), "DBRestriction")
    if not extra.is_neutral(entry.get("DBRestriction")):
        parsed.unsupported.extend(["DBRestrictionType", "DBRestriction"])  # a list of schemas
    return []


def _other_columns(entry: dict[str, Any], parsed: ParsedEntry, *, may_share: bool) -> dict[str, Any]:
    tunnel = extra.ssh_tunnel(entry)
    identity = entry.get("TunnelIdentityFile")
    if tunnel and tunnel["auth"] == "key":
        if identity in (None, ""):
            parsed.notes.append("TunnelAuthentication is 1 (a key) but no TunnelIdentityFile: pick the key in the "
                                "server dialog.")
        else:
            parsed.files.append(_file_ref("TunnelIdentityFile", "secret:ssh_key", identity))
    elif tunnel and identity not in (None, ""):
        parsed.notes.append("TunnelIdentityFile ignored: TunnelAuthentication is 0 (a password).")
    ignored = [key for key in ("TunnelHost", "TunnelUsername", "TunnelIdentityFile") if entry.get(key)]
    if not tunnel and ignored:
        parsed.notes.append(f"{', '.join(ignored)} ignored: UseSSHTunnel is off.")
    shared = extra.as_flag(entry.get("Shared", False), "Shared")
    if shared and not may_share:
        parsed.notes.append("Shared ignored; only an administrator's servers can be shared.")
    if entry.get("KerberosAuthentication"):
        parsed.unsupported.append("KerberosAuthentication")
    if "Password" in entry:
        parsed.notes.append("Password ignored; passwords are never imported (save them in the web console).")
    return {"ssh_tunnel": tunnel, "is_shared": shared and may_share,
            "service": extra.service_name(entry.get("Service"), "Service"),
            "comment": extra.optional_text(entry.get("Comment"), "Comment"),
            "role": extra.pg_name(entry.get("Role"), "Role"),
            "db_restriction": _restriction(entry, parsed), "colors": extra.colors(entry),
            "post_connection_sql": extra.optional_text(entry.get("PostConnectionSQL"), "PostConnectionSQL"),
            **extra.extension(entry.get(extra.EXTENSION))}  # absent: a new server's defaults, a replaced one's own


def _parse_entry(key: str, entry: Any, *, may_share: bool, policy: ServerPolicy) -> ParsedEntry:
    """One entry as Server column values; raises BadRequest with a message naming the pgAdmin key."""
    if not isinstance(entry, dict):
        raise BadRequest("must be an object")
    _check_required(entry)
    parsed = ParsedEntry(key, _entry_label(key, entry), {})
    params = _connection_parameters(entry, parsed, policy)
    fields = _basic_fields(entry, params, parsed)
    host = fields.get("host")
    if host is not None:
        check_registration(policy, host, fields["port"], fields["connect_params"], labels=LABELS)
    else:
        policy.check_tls_paths(fields["connect_params"], LABELS)
    parsed.columns = {"name": fields["name"], "group_name": fields["group"], "host": host, "port": fields["port"],
                      "maintenance_db": fields["maintenance_db"], "username": fields["username"],
                      "sslmode": fields["sslmode"], "connect_params": fields["connect_params"],
                      **_other_columns(entry, parsed, may_share=may_share)}
    parsed.unsupported = sorted({*parsed.unsupported, *(name for name, value in entry.items()
                                                        if name not in KNOWN_KEYS and not extra.is_neutral(value))})
    return parsed


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
    parsed = ParsedServers()
    errors: list[str] = []
    for key, entry in servers.items():
        try:
            parsed.entries.append(_parse_entry(key, entry, may_share=may_share, policy=policy))
        except BadRequest as exc:
            errors.append(f"{_entry_label(key, entry)}: {exc.message}")
    if errors:
        raise invalid_file(source, errors)
    return parsed


def invalid_file(source: str, errors: list[str]) -> ServersFileError:
    return ServersFileError(f"{source} has {len(errors)} invalid entr{'y' if len(errors) == 1 else 'ies'}; "
                            "nothing was imported:\n  " + "\n  ".join(errors), errors=errors)


def _connection_keys(server: Server, passfile: str | None) -> dict[str, Any]:
    params = {"sslmode": server.sslmode, **(server.connect_params or {})}
    for name, held in sorted((server.tls_files or {}).items()):
        if isinstance(held, dict) and held.get("name"):
            params[name] = held["name"]  # we hold the content; its name is what re-import looks up
    if passfile:
        params["passfile"] = passfile
    return params


def server_entry(server: Server, passfile: str | None = None) -> dict[str, Any]:
    """One registration in pgAdmin's format: no passwords or keys (those are the owner's vault secrets)."""
    entry: dict[str, Any] = {"Name": server.name, "Group": server.group_name}
    if server.host is not None:
        entry["Host"] = server.host
    entry |= {"Port": server.port, "MaintenanceDB": server.maintenance_db, "Username": server.username}
    optional = {"Role": server.role, "Comment": server.comment, "Service": server.service,
                "DBRestriction": ",".join(server.db_restriction or []),
                "BGColor": (server.colors or {}).get("bg"), "FGColor": (server.colors or {}).get("fg"),
                "PostConnectionSQL": server.post_connection_sql}
    entry |= {key: value for key, value in optional.items() if value not in (None, "")}
    if server.is_shared:
        entry["Shared"] = True
    entry |= extra.tunnel_keys(server.ssh_tunnel or {})
    entry[CP] = _connection_keys(server, passfile)
    block = extra.extension_of(server)
    if block:
        entry[extra.EXTENSION] = block
    return entry


def dump_servers(user: Principal) -> dict[str, Any]:
    """The user's own servers in pgAdmin's format; passwords and keys are never exported."""
    owned = list(db.session.execute(db.select(Server).filter_by(user_id=user.id).order_by(Server.id)).scalars())
    credentials = db.session.execute(db.select(ServerCredential).filter_by(user_id=user.id)).scalars()
    passfiles = {cred.server_id: cred.passfile for cred in credentials}
    return {"Servers": {str(number): server_entry(server, passfiles.get(server.id))
                        for number, server in enumerate(owned, start=1)}}
