"""Which open query tools lost their user, login or server in another process (setup_db.py changes the config DB
and the session store there, and cannot reach this process's tabs)."""

from __future__ import annotations

from pgadmin_lite.auth.identity import LOGIN_ID_KEY
from pgadmin_lite.auth.session_store import SessionStore
from pgadmin_lite.connections.manager import Owner
from pgadmin_lite.errors import Gone, ServerAccessLost
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, User
from pgadmin_lite.servers.service import can_use

USER_ENDED = ("Your account was deleted or deactivated, which closed this query tool; any open transaction was "
              "rolled back.")
LOGIN_ENDED = ("The login that opened this query tool ended (it expired, your password was changed or reset, or "
               "your sessions were revoked), which closed it; any open transaction was rolled back.")
SERVER_ENDED = ("The server registration was deleted or is no longer shared with you, which closed this query "
                "tool; any open transaction was rolled back.")


def ended_owners(owners: set[Owner], store: SessionStore) -> dict[Owner, tuple[str, type[Gone]]]:
    """Three reads for all the tabs: their users, their servers and their users' live logins (app context held)."""
    users = {user.id: user for user in db.session.execute(db.select(User).where(
        User.id.in_({user_id for user_id, _, _ in owners}), User.active.is_(True))).scalars()}
    servers = {server.id: server for server in db.session.execute(db.select(Server).where(
        Server.id.in_({server_id for _, server_id, _ in owners}))).scalars()}
    logins = store.live_values(set(users), LOGIN_ID_KEY)
    ended: dict[Owner, tuple[str, type[Gone]]] = {}
    for owner in owners:
        user_id, server_id, login_id = owner
        user, server = users.get(user_id), servers.get(server_id)
        if user is None:
            ended[owner] = (USER_ENDED, Gone)
        elif login_id is not None and (user_id, login_id) not in logins:
            ended[owner] = (LOGIN_ENDED, Gone)
        elif server is None or not can_use(server, user):
            ended[owner] = (SERVER_ENDED, ServerAccessLost)
    return ended
