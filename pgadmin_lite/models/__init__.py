"""Config-DB tables; importing this package registers every model with the metadata."""

from __future__ import annotations

from pgadmin_lite.models.drafts import EditorDraft
from pgadmin_lite.models.history import QueryHistory
from pgadmin_lite.models.jobs import Job
from pgadmin_lite.models.servers import Server, ServerCredential
from pgadmin_lite.models.users import LoginAttempt, User
from pgadmin_lite.models.workspace import UserPreferences, WorkspaceLayout

__all__ = [
    "EditorDraft",
    "Job",
    "LoginAttempt",
    "QueryHistory",
    "Server",
    "ServerCredential",
    "User",
    "UserPreferences",
    "WorkspaceLayout",
]
