"""When someone may have lost a server (a share, a group, a role or everyone-sharing changed): their saved
credentials for it go, and their open query tools on it end at once (servers/signals.py server_access_narrowed)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import or_

from pgadmin_lite.extensions import db
from pgadmin_lite.models import Server, ServerCredential
from pgadmin_lite.servers import shares
from pgadmin_lite.servers.signals import server_access_narrowed

Pair = tuple[int, int]  # (user id, server id)

LOST = ("You no longer have access to this server ({why}), which closed this query tool; any open transaction "
        "was rolled back.")


def usable_server_ids(user_id: int, among: Collection[int] | None = None) -> set[int]:
    """The servers this user may use now: owned, shared with everyone, or shared with them (read afresh)."""
    query = db.select(Server.id).where(or_(Server.user_id == user_id, Server.is_shared.is_(True),
                                           Server.id.in_(shares.shared_server_ids(user_id))))
    if among is not None:
        query = query.where(Server.id.in_(among))
    return set(db.session.execute(query).scalars())


def lost_pairs(pairs: Iterable[Pair]) -> set[Pair]:
    """Which (user, server) pairs no longer give access (one query per user named)."""
    by_user: dict[int, set[int]] = {}
    for user_id, server_id in pairs:
        by_user.setdefault(user_id, set()).add(server_id)
    return {(user_id, server_id) for user_id, server_ids in by_user.items()
            for server_id in server_ids - usable_server_ids(user_id, server_ids)}


def forget_lost_credentials(*, server_ids: Collection[int] | None = None,
                            user_ids: Collection[int] | None = None) -> set[Pair]:
    """Delete (in the caller's transaction) the saved credentials whose user can no longer use their server."""
    query = db.select(ServerCredential.user_id, ServerCredential.server_id)
    if server_ids is not None:
        query = query.where(ServerCredential.server_id.in_(server_ids))
    if user_ids is not None:
        query = query.where(ServerCredential.user_id.in_(user_ids))
    lost = lost_pairs((row.user_id, row.server_id) for row in db.session.execute(query))
    for user_id, server_id in lost:
        db.session.execute(db.delete(ServerCredential).filter_by(user_id=user_id, server_id=server_id))
    return lost


def announce(*, why: str, server_ids: Collection[int] | None = None, user_ids: Collection[int] | None = None) -> None:
    """After the commit: the open query tools (of these users, on these servers) whose right is gone end now."""
    server_access_narrowed.send(None, reason=LOST.format(why=why),
                                server_ids=None if server_ids is None else frozenset(server_ids),
                                user_ids=None if user_ids is None else frozenset(user_ids))


def end_lost_access(*, why: str, server_ids: Collection[int] | None = None,
                    user_ids: Collection[int] | None = None) -> set[Pair]:
    """For a change already committed: forget the lost credentials (committed), then end the lost tabs."""
    lost = forget_lost_credentials(server_ids=server_ids, user_ids=user_ids)
    if lost:
        db.session.commit()
    announce(why=why, server_ids=server_ids, user_ids=user_ids)
    return lost
