"""Config-DB tables; importing this package registers every model with the metadata."""

from __future__ import annotations

from pgadmin_lite.models.users import LoginFailure, User

__all__ = ["LoginFailure", "User"]
