"""A user's secrets for one server other than the password (SSH password, key and passphrase; TLS client
certificate, key and sslpassword): one JSON object, sealed by the vault and bound to the server and user."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pgadmin_lite.auth.identity import Principal
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential
from pgadmin_lite.servers.service import user_credential
from pgadmin_lite.servers.vault import SavedPasswordUnreadable, Vault, associated_data, current_vault

NAMES = ("ssh_password", "ssh_key", "ssh_passphrase", "sslcert", "sslkey", "sslpassword")


def _aad(server: Server, user: Principal) -> str:
    return associated_data(server.id, user.id) + "/secrets"  # a saved password's envelope cannot stand in here


def read_secrets(server: Server, user: Principal, vault: Vault | None = None) -> dict[str, str]:
    """The user's secrets for the server ({} when none are saved)."""
    cred = user_credential(server, user)
    if cred is None or not cred.secrets_enc:
        return {}
    try:
        return json.loads((vault or current_vault()).decrypt(cred.secrets_enc, aad=_aad(server, user)))
    except SavedPasswordUnreadable:
        raise SavedPasswordUnreadable(
            f"The saved secrets of server {server.name!r} cannot be decrypted (the credentials key changed or the "
            "record was altered).", hint="Enter the SSH and TLS secrets again and save them.") from None


def secret_names(server: Server, user: Principal, vault: Vault | None = None) -> list[str]:
    """Which secrets are saved, for the API (never their values)."""
    return sorted(read_secrets(server, user, vault))


def write_secrets(server: Server, user: Principal, changes: Mapping[str, str | None],
                  vault: Vault | None = None) -> None:
    """Merge changes into the saved secrets (None erases one) in the session; the caller commits."""
    unknown = sorted(set(changes) - set(NAMES))
    if unknown:
        raise ValueError(f"not a server secret: {', '.join(unknown)}")
    merged = {**read_secrets(server, user, vault), **changes}
    kept = {name: value for name, value in merged.items() if value is not None}
    cred = user_credential(server, user)
    if cred is None:
        if not kept:
            return
        cred = ServerCredential(server_id=server.id, user_id=user.id)
        db.session.add(cred)
    cred.secrets_enc = (vault or current_vault()).encrypt(json.dumps(kept), aad=_aad(server, user)) if kept else None
