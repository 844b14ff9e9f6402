"""What happens to users, sent after the commit (but user_deleting): subsystems react, unknown to users.service."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
user_created = _signals.signal("user-created")  # sender: the new User
user_deleting = _signals.signal("user-deleting")  # sender: the User about to be deleted (still in the config DB)
user_deleted = _signals.signal("user-deleted")  # sender: the deleted user's id
user_updated = _signals.signal("user-updated")  # sender: the changed User (its sessions must see the change)
