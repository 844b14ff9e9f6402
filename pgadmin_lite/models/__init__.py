"""Config-DB tables; importing this package registers every model with the metadata."""

from __future__ import annotations

from pgadmin_lite.models.access import Group, GroupMember, Role, ServerShare
from pgadmin_lite.models.audit import AuditEvent
from pgadmin_lite.models.drafts import EditorDraft
from pgadmin_lite.models.history import QueryHistory
from pgadmin_lite.models.jobs import Job
from pgadmin_lite.models.servers import Server, ServerCredential
from pgadmin_lite.models.users import LoginAttempt, RecoveryCode, User
from pgadmin_lite.models.workspace import UserPreferences, WorkspaceLayout

__all__ = [
    "AuditEvent",
    "EditorDraft",
    "Group",
    "GroupMember",
    "Job",
    "LoginAttempt",
    "QueryHistory",
    "RecoveryCode",
    "Role",
    "Server",
    "ServerCredential",
    "ServerShare",
    "User",
    "UserPreferences",
    "WorkspaceLayout",
]
