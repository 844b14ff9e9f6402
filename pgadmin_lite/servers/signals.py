"""What happens to server registrations, sent after the commit: subsystems react, unknown to servers.service."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
# sender: the server id; reason: why (for the users who lost it); keep_user: the one user who keeps access, if any
server_access_lost = _signals.signal("server-access-lost")
# sender: the server id; its registration became read-only: open tabs take the rail from their next statement
server_made_read_only = _signals.signal("server-made-read-only")
# sender: None; reason: why; server_ids / user_ids (None: any): the tabs among these whose user can no longer use
# their server end (servers/access.py checks who really lost it)
server_access_narrowed = _signals.signal("server-access-narrowed")
