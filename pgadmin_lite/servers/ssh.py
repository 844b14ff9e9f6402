"""A server's SSH tunnel as registrations see it: secrets saved in the vault, the policy's checks, the host key
trusted on first use, and the spec the connection layer opens the tunnel from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import inspect, update
from sqlalchemy.engine import Engine

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.connections.ssh_keys import MAX_KEY_CHARS, fingerprint, load_private_key
from pgadmin_lite.connections.tunnels import TunnelSpec
from pgadmin_lite.errors import BadRequest, SshAuthRefused, SshSecretRequired
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server
from pgadmin_lite.servers import secrets  # a module, not its names: secrets and service import each other via us
from pgadmin_lite.servers.fields import clean_ssh_tunnel
from pgadmin_lite.servers.policy import (
    ServerPolicy,
    check_bastion,
    check_registration,
    check_tunnel_target,
    pin_bastion,
)
from pgadmin_lite.servers.user_files import read_user_file
from pgadmin_lite.servers.vault import SavedPasswordUnreadable, Vault

SECRETS = ("ssh_password", "ssh_key", "ssh_passphrase")
_DRAFT_SECRETS = "_ssh_draft_secrets"  # on a draft (never a stored server): the secrets typed for its Test
_DRAFT_HOST_KEY = "_ssh_draft_host_key"  # and the host key its Test was shown
_MAX_SECRET_CHARS = {"ssh_password": 1024, "ssh_key": MAX_KEY_CHARS, "ssh_passphrase": 1024}


def check_target(policy: ServerPolicy, target: Mapping[str, Any]) -> None:
    """The policy's verdict on where the web process connects: the bastion, or the server itself without one."""
    tunnel = target.get("ssh_tunnel") or {}
    if not tunnel:
        check_registration(policy, target["host"], target["port"], target["connect_params"] or {})
        return
    if not target.get("host"):
        raise BadRequest("host is required for a server reached through an SSH tunnel.", field="host")
    check_tunnel_target(policy, target["host"], target["port"], target["connect_params"] or {})
    check_bastion(policy, tunnel["host"], tunnel["port"], {"host": "ssh_tunnel.host", "port": "ssh_tunnel.port"})


def secret_changes(user: Principal, body: Mapping[str, Any]) -> dict[str, str | None]:
    """The SSH secrets a create or update sends (null erases one); a key is checked with the passphrase sent."""
    changes: dict[str, str | None] = {}
    for name in SECRETS:
        if name not in body:
            continue
        value = body[name]
        if value is not None and (not isinstance(value, str) or not value or len(value) > _MAX_SECRET_CHARS[name]):
            raise BadRequest(f"{name} must be a non-empty string of at most {_MAX_SECRET_CHARS[name]} characters, "
                             "or null to erase it.", field=name)
        changes[name] = value
    if body.get("ssh_key_file") is not None:
        if "ssh_key" in body:
            raise BadRequest("Send either ssh_key (the key's text) or ssh_key_file (a file in your area), not both.",
                             field="ssh_key_file")
        changes["ssh_key"] = read_user_file(user, body["ssh_key_file"])
        if len(changes["ssh_key"] or "") > MAX_KEY_CHARS:
            raise BadRequest("ssh_key_file is too large to be a private key.", field="ssh_key_file")
    if changes.get("ssh_key"):
        field = "ssh_key_file" if body.get("ssh_key_file") is not None else "ssh_key"
        try:
            load_private_key(str(changes["ssh_key"]), changes.get("ssh_passphrase"))
        except SshAuthRefused as exc:
            raise BadRequest(exc.message.replace("The saved SSH private key", f"{field}"), field=field,
                             hint="Send an OpenSSH or PEM private key, with ssh_passphrase if it is encrypted."
                             ) from None
    return changes


def save_secrets(server: Server, user: Principal, changes: Mapping[str, str | None], vault: Vault | None) -> None:
    """Write the changes into the user's vault envelope for the server (the caller commits)."""
    if changes:
        secrets.write_secrets(server, user, changes, vault)


def _is_same_bastion(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> bool:
    old, new = old or {}, new or {}
    return (old.get("host"), old.get("port")) == (new.get("host"), new.get("port"))


def forget_host_key_if_moved(server: Server, new_tunnel: Mapping[str, Any]) -> None:
    """Another bastion (host or port) has another host key: the stored one is forgotten."""
    if not _is_same_bastion(server.ssh_tunnel, new_tunnel):
        server.ssh_host_key = None


def prepare_draft(draft: Server, saved: Server | None, typed: Mapping[str, str | None]) -> None:
    """A registration tested before it is saved: the secrets typed in the dialog serve (over the saved ones),
    and the saved host key only if the bastion is the same; nothing of it is ever stored (tunnel_spec)."""
    if saved is None or not _is_same_bastion(saved.ssh_tunnel, draft.ssh_tunnel):
        draft.ssh_host_key = None
    setattr(draft, _DRAFT_SECRETS, {name: value for name, value in typed.items() if value})


def tunnel_json(server: Server, user: Principal) -> dict[str, Any]:
    """The tunnel for the API: its settings, the trusted host key's fingerprint, which secrets are saved."""
    tunnel = dict(server.ssh_tunnel or {})
    names: list[str] = []
    if tunnel:
        try:
            names = sorted(name for name in secrets.read_secrets(server, user) if name in SECRETS)
        except SavedPasswordUnreadable:
            names = []
    return {"ssh_tunnel": tunnel, "ssh_secrets": names,
            "ssh_host_key_fingerprint": fingerprint(server.ssh_host_key) if server.ssh_host_key else None}


def trusted_host_key(server: Server) -> dict[str, str]:
    """After connecting through a tunnel: the fingerprint of the host key trusted now (maybe just stored)."""
    if not server.ssh_tunnel:
        return {}
    if inspect(server).persistent:
        key = db.session.execute(db.select(Server.ssh_host_key).where(Server.id == server.id)).scalar_one_or_none()
    else:  # a draft: the key its Test was shown (nothing stored), else the saved one it compared with
        key = getattr(server, _DRAFT_HOST_KEY, None) or server.ssh_host_key
    return {"ssh_host_key_fingerprint": fingerprint(key)} if key else {}


def _draft_host_key(draft: Server) -> Callable[[str], str]:
    """For a draft's Test: remember the key shown, to report it, and trust it for this test only."""
    def remember(presented: str) -> str:
        setattr(draft, _DRAFT_HOST_KEY, presented)
        return presented
    return remember


def _host_key_store(engine: Engine, server_id: int) -> Callable[[str], str]:
    """Store a first-seen host key (only if none is stored yet) and answer with the key trusted now."""
    def store(presented: str) -> str:
        with engine.begin() as conn:
            conn.execute(update(Server).where(Server.id == server_id, Server.ssh_host_key.is_(None))
                         .values(ssh_host_key=presented))
            stored = conn.execute(db.select(Server.ssh_host_key).where(Server.id == server_id)).scalar_one_or_none()
        return stored or presented
    return store


def tunnel_spec(server: Server, user: Principal, *, timeout_s: float, policy: ServerPolicy,
                vault: Vault | None = None) -> TunnelSpec | None:
    """The tunnel to open for this user's connections to server (None: connect directly), checked by the policy."""
    if not server.ssh_tunnel:
        return None
    tunnel = clean_ssh_tunnel(server.ssh_tunnel)  # however it was stored (an import, the CLI), as the API would
    check_target(policy, {"host": server.host, "port": server.port, "connect_params": server.connect_params,
                          "ssh_tunnel": tunnel})
    addresses = pin_bastion(policy, tunnel["host"], tunnel["port"])
    saved = {**secrets.read_secrets(server, user, vault), **getattr(server, _DRAFT_SECRETS, {})}
    wanted = "ssh_key" if tunnel["auth"] == "key" else "ssh_password"
    if not saved.get(wanted):
        what = "private key" if wanted == "ssh_key" else "password"
        raise SshSecretRequired(f"No SSH {what} is saved for the tunnel of server {server.name!r}.",
                                hint=f"Save your SSH {what} in the server's SSH tunnel settings (a shared "
                                     "server's users save their own with PUT …/credentials).")
    return TunnelSpec(
        user_id=user.id, server_id=server.id, bastion=tunnel["host"],
        addresses=tuple(addresses), port=tunnel["port"],
        username=tunnel["username"], target_host=str(server.host), target_port=server.port,
        password=saved.get("ssh_password") if wanted == "ssh_password" else None,
        private_key=saved.get("ssh_key") if wanted == "ssh_key" else None,
        passphrase=saved.get("ssh_passphrase") if wanted == "ssh_key" else None,
        keepalive_s=tunnel["keepalive_s"], timeout_s=float(timeout_s), host_key=server.ssh_host_key,
        on_new_host_key=(_host_key_store(db.engine, server.id) if inspect(server).persistent
                         else _draft_host_key(server)))
