"""Importing a servers.json into one owner's registrations: a plan (what is added or replaced, which files are
found, what is not supported), then one transaction that writes all of it or nothing.

Paths in the file name files in the owner's file area, as in pgAdmin's server mode; a missing or unusable file is
reported by its key and the server is imported without it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.errors import AppError, ConfigError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential, ServerShare
from pgadmin_lite.servers import access
from pgadmin_lite.servers.secrets import write_secrets
from pgadmin_lite.servers.servers_json import FileRef, ParsedEntry, ParsedServers, invalid_file
from pgadmin_lite.servers.service import user_credential
from pgadmin_lite.servers.signals import server_access_lost, server_made_read_only

Reader = Callable[[str], str]  # a path in the owner's file area -> its text
PEM_MARKS = {"tls": "-----BEGIN ", "secret:sslcert": "-----BEGIN CERTIFICATE-----",
             "secret:sslkey": "PRIVATE KEY-----", "secret:ssh_key": "PRIVATE KEY-----"}


class Mode(enum.Enum):
    ADD = "add"  # every entry is a new server (pgAdmin's load-servers)
    MERGE = "merge"  # an entry with the group and name of one of the owner's servers replaces it
    REPLACE_ALL = "replace_all"  # the owner's own servers shared with no one go first (load-servers --replace)


@dataclass
class Planned:
    """One entry with its files read and the server it replaces, if any."""

    entry: ParsedEntry
    existing: Server | None = None
    tls_files: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    passfile: str | None = None
    missing_files: list[dict[str, str]] = field(default_factory=list)
    server: Server | None = None
    is_made_read_only: bool = False  # a replaced server the import turned read-only (its open tabs are told)


def _kind(ref: FileRef) -> str:
    return "tls" if ref.target.startswith("tls:") else ref.target


def _read(planned: Planned, ref: FileRef, read: Reader) -> None:
    """Read one named file into the plan, or report why it cannot be used (by its key)."""
    try:
        text = read(ref.path)
    except (AppError, ConfigError) as exc:
        if ref.is_default:
            return  # pgAdmin writes these defaults for every server; libpq skips them when absent too
        reason = exc.message if isinstance(exc, AppError) else str(exc)
        planned.missing_files.append({"field": ref.label, "path": ref.path, "message": (
            f"{ref.label}: {ref.path} cannot be read from the file area ({reason.rstrip('.')}); "
            "the server is imported without it, pick the file in the server dialog.")})
        return
    mark = PEM_MARKS.get(_kind(ref))
    if mark is not None and mark not in text:
        planned.missing_files.append({"field": ref.label, "path": ref.path, "message": (
            f"{ref.label}: {ref.path} is not a PEM {'private key' if 'KEY' in mark else 'file'}; "
            "the server is imported without it.")})
        return
    if ref.target == "passfile":
        planned.passfile = ref.path  # the passfile stays in the file area; only its path is kept
    elif ref.target.startswith("tls:"):
        planned.tls_files[ref.target[4:]] = {"name": ref.path, "pem": text}
    else:
        planned.secrets[ref.target[7:]] = text


def _own_servers(owner: Principal) -> dict[tuple[str, str], Server]:
    """The owner's servers by (group, name); of duplicates, the oldest."""
    found: dict[tuple[str, str], Server] = {}
    for server in db.session.execute(db.select(Server).filter_by(user_id=owner.id)
                                     .order_by(Server.id.desc())).scalars():
        found[(server.group_name, server.name)] = server
    return found


def plan_import(owner: Principal, parsed: ParsedServers, read: Reader, *, mode: Mode,
                source: str = "servers.json") -> list[Planned]:
    """Match entries to the owner's servers and read the files they name; nothing is written."""
    existing = _own_servers(owner) if mode is Mode.MERGE else {}
    seen: dict[tuple[str, str], str] = {}
    errors = []
    plans = []
    for entry in parsed.entries:
        identity = (entry.columns["group_name"], entry.columns["name"])
        if mode is Mode.MERGE and identity in seen:
            errors.append(f"{entry.where}: the same Group and Name as {seen[identity]}; which one would replace "
                          "the registration is ambiguous")
        seen.setdefault(identity, entry.where)
        planned = Planned(entry, existing.get(identity))
        for ref in entry.files:
            _read(planned, ref, read)
        plans.append(planned)
    if errors:
        raise invalid_file(source, errors)
    return plans


def planned_json(planned: Planned) -> dict[str, Any]:
    """What the preview shows of one entry (never a secret or a file's content)."""
    columns = planned.entry.columns
    server = planned.server or planned.existing
    return {"key": planned.entry.key, "name": columns["name"], "group": columns["group_name"],
            "host": columns["host"], "port": columns["port"], "username": columns["username"],
            "service": columns["service"], "has_ssh_tunnel": bool(columns["ssh_tunnel"]),
            "is_shared": columns["is_shared"], "action": "replace" if planned.existing is not None else "add",
            "server_id": server.id if server is not None else None,
            "files": sorted([*(f"ConnectionParameters.{name}" for name in planned.tls_files),
                             *(("TunnelIdentityFile" if name == "ssh_key" else f"ConnectionParameters.{name}")
                               for name in planned.secrets),
                             *(["ConnectionParameters.passfile"] if planned.passfile else [])]),
            "missing_files": planned.missing_files, "unsupported": planned.entry.unsupported,
            "notes": planned.entry.notes}


def _write(planned: Planned, owner: Principal) -> tuple[Server, bool]:
    """Add or update the row; returns it and whether it stopped being shared."""
    columns = dict(planned.entry.columns)
    server = planned.existing
    if server is None:
        server = Server(user_id=owner.id, **columns, tls_files=planned.tls_files)
        db.session.add(server)
        return server, False
    if "ssh_host_key" not in columns and not _same_bastion(server, columns["ssh_tunnel"]):
        columns["ssh_host_key"] = None  # another bastion: its key is trusted on first use again
    is_unshared = server.is_shared and not columns["is_shared"]
    planned.is_made_read_only = columns.get("read_only") is True and not server.read_only
    for name, value in columns.items():
        setattr(server, name, value)
    server.tls_files = {**(server.tls_files or {}), **planned.tls_files}
    return server, is_unshared


def _same_bastion(server: Server, tunnel: dict[str, Any]) -> bool:
    old = server.ssh_tunnel or {}
    return bool(tunnel) and (old.get("host"), old.get("port")) == (tunnel.get("host"), tunnel.get("port"))


def _keep_credentials(planned: Planned, owner: Principal) -> None:
    server = planned.server
    assert server is not None
    if planned.secrets:
        write_secrets(server, owner, planned.secrets)
    if planned.passfile:
        cred = user_credential(server, owner)
        if cred is None:
            cred = ServerCredential(server_id=server.id, user_id=owner.id)
            db.session.add(cred)
        cred.passfile = planned.passfile


def apply_import(owner: Principal, plans: list[Planned], *, mode: Mode) -> list[Planned]:
    """Write every planned entry in one transaction (all or nothing); then tell who lost access to what."""
    lost: list[tuple[int, str, str]] = []
    try:
        if mode is Mode.REPLACE_ALL:
            doomed = list(db.session.execute(db.select(Server).where(  # shared with anyone: kept for them
                Server.user_id == owner.id, Server.is_shared.is_(False),
                Server.id.not_in(db.select(ServerShare.server_id)))).scalars())
            lost += [(server.id, server.name, "deleted") for server in doomed]
            db.session.execute(db.delete(ServerCredential).where(
                ServerCredential.server_id.in_([server.id for server in doomed])))
            db.session.execute(db.delete(Server).where(Server.id.in_([server.id for server in doomed])))
        for planned in plans:
            planned.server, is_unshared = _write(planned, owner)
            if is_unshared:
                lost.append((planned.server.id, planned.server.name, "unshared"))
        db.session.flush()  # ids bind the secrets to their rows
        for planned in plans:
            _keep_credentials(planned, owner)
        unshared = [server_id for server_id, _name, why in lost if why == "unshared"]
        if unshared:
            db.session.flush()
            access.forget_lost_credentials(server_ids=unshared)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for planned in plans:
        if planned.is_made_read_only and planned.server is not None:
            server_made_read_only.send(planned.server.id)
    for server_id, name, why in lost:
        if why == "unshared":
            access.announce(why=f"the server {name!r} is no longer shared with everyone after an import of "
                            "servers.json", server_ids=[server_id])
        else:
            server_access_lost.send(server_id, keep_user=None, reason=(
                f"The server {name!r} was deleted by an import of servers.json, which closed this query tool; "
                "any open transaction was rolled back."))
    return plans
