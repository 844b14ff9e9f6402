"""Append one event to the audit log; the only code that writes `audit_log` (nothing updates or deletes a row
but the retention purge)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent

MAX_TARGET = 255


def record(action: str, *, target: str | None = None, outcome: str = "ok", details: dict[str, Any] | None = None,
           actor_id: int | None = None, actor_email: str | None = None, commit: bool = True) -> None:
    """Record `action` by the acting user (or the actor named, e.g. a refused login's email) from this request.

    Call it after the change it records was committed: with commit=True it commits the ORM session.
    """
    if actor_id is None and actor_email is None and has_request_context() and current_user.is_authenticated:
        actor_id, actor_email = current_user.id, current_user.email
    source = (request.remote_addr or None) if has_request_context() else None  # as the trusted-proxy fix left it
    db.session.add(AuditEvent(action=action, outcome=outcome, target=(target or None) and target[:MAX_TARGET],
                              source=source and source[:64], details=details or {}, actor_id=actor_id,
                              actor_email=actor_email and actor_email[:254]))
    if commit:
        db.session.commit()
