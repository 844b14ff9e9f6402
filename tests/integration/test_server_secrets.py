"""A user's server secrets: sealed by the vault, bound to one server and one user, merged and erased by name."""

from __future__ import annotations

from typing import Any

import pytest

from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential, User
from pgadmin_lite.servers import secrets
from pgadmin_lite.servers.vault import SavedPasswordUnreadable, associated_data, current_vault


@pytest.fixture
def owner_and_server(app: Any) -> Any:
    with app.app_context():
        user = db.session.execute(db.select(User).order_by(User.id)).scalars().first()
        server = Server(user_id=user.id, name="s", host="localhost", username="u")
        db.session.add(server)
        db.session.commit()
        yield user, server
        db.session.execute(db.delete(ServerCredential).where(ServerCredential.server_id == server.id))
        db.session.delete(server)
        db.session.commit()


def test_secrets_are_merged_erased_and_never_stored_in_clear(owner_and_server: Any) -> None:
    user, server = owner_and_server
    secrets.write_secrets(server, user, {"ssh_password": "hunter2", "sslkey": "-----KEY-----"})
    db.session.commit()
    cred = db.session.execute(db.select(ServerCredential).filter_by(server_id=server.id)).scalar_one()
    assert "hunter2" not in cred.secrets_enc and "KEY" not in cred.secrets_enc
    secrets.write_secrets(server, user, {"sslkey": None, "ssh_passphrase": "p"})
    db.session.commit()
    assert secrets.read_secrets(server, user) == {"ssh_password": "hunter2", "ssh_passphrase": "p"}
    assert secrets.secret_names(server, user) == ["ssh_passphrase", "ssh_password"]
    with pytest.raises(ValueError, match="not a server secret"):
        secrets.write_secrets(server, user, {"password": "x"})


def test_an_envelope_moved_to_another_row_does_not_open(owner_and_server: Any) -> None:
    user, server = owner_and_server
    secrets.write_secrets(server, user, {"ssh_password": "hunter2"})
    db.session.commit()
    cred = db.session.execute(db.select(ServerCredential).filter_by(server_id=server.id)).scalar_one()
    with pytest.raises(SavedPasswordUnreadable):  # a secrets envelope posing as the saved password
        current_vault().decrypt(cred.secrets_enc, aad=associated_data(server.id, user.id))
    other = Server(user_id=user.id, name="t", host="localhost", username="u")
    db.session.add(other)
    db.session.flush()
    db.session.add(ServerCredential(server_id=other.id, user_id=user.id, secrets_enc=cred.secrets_enc))
    db.session.commit()
    try:
        with pytest.raises(SavedPasswordUnreadable, match="saved secrets of server 't'"):
            secrets.read_secrets(other, user)
    finally:
        db.session.execute(db.delete(ServerCredential).where(ServerCredential.server_id == other.id))
        db.session.delete(other)
        db.session.commit()
