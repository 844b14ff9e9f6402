"""Append one event to the audit log; the only code that writes `audit_log` (nothing updates or deletes a row
but the retention purge: the guard below refuses any other UPDATE or DELETE made through the ORM)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from pgadmin_lite.audit.retention import PURGE_OPTION, maybe_purge
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent

MAX_TARGET = 255


class AuditLogIsAppendOnly(RuntimeError):
    """Code tried to change or delete an audit event: a bug, never a user's doing."""


def record(action: str, *, target: str | None = None, outcome: str = "ok", details: dict[str, Any] | None = None,
           actor_id: int | None = None, actor_email: str | None = None, commit: bool = True) -> None:
    """Record `action` by the acting user (or the actor named, e.g. a refused login's email) from this request.

    Call it after the change it records was committed: with commit=True it commits the ORM session (and, once a
    day, purges the events older than AUDIT_RETENTION_DAYS). Never put a password or a secret in `details`.
    """
    if actor_id is None and actor_email is None and has_request_context() and current_user.is_authenticated:
        actor_id, actor_email = current_user.id, current_user.email
    source = (request.remote_addr or None) if has_request_context() else None  # as the trusted-proxy fix left it
    db.session.add(AuditEvent(action=action, outcome=outcome, target=(target or None) and target[:MAX_TARGET],
                              source=source and source[:64], details=details or {}, actor_id=actor_id,
                              actor_email=actor_email and actor_email[:254]))
    if commit:
        db.session.commit()
        if has_app_context() and "audit_retention" in current_app.extensions:
            maybe_purge(current_app._get_current_object())  # type: ignore[attr-defined]


def _refuse(*_: Any) -> None:
    raise AuditLogIsAppendOnly("The audit log is append-only: audit events are never changed or deleted.")


def _refuse_statements(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE of audit_log through a session is refused, but the retention purge's DELETE."""
    if not (state.is_update or state.is_delete) or state.execution_options.get(PURGE_OPTION):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditEvent.__tablename__:
        _refuse()


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)
event.listen(Session, "do_orm_execute", _refuse_statements)
