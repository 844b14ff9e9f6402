"""Preview or run a planned change: the SQL shown is the SQL run (secrets masked), all or nothing where possible."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from pgadmin_lite.browser import catalog, statements
from pgadmin_lite.browser.refs import Ref
from pgadmin_lite.connections.short_lived import database_error
from pgadmin_lite.servers import targets

# Milliseconds a change waits for a lock before giving up, so it never queues everyone behind a long transaction.
CHANGE_LOCK_TIMEOUT_MS = 10_000


@dataclass
class Plan:
    """The statements of one change, their displayable form, and whether they can share a transaction."""

    statements: list[sql.Composable]
    shown: list[sql.Composable] | None = None  # the same statements with secrets masked
    is_transactional: bool = True  # CREATE/DROP DATABASE, DROP TABLESPACE, CONCURRENTLY: each commits alone
    alone: int = 0  # the last `alone` statements cannot run in a transaction: each runs by itself after it
    ref: Ref | None = None  # the object the change leaves behind (created or renamed)
    notes: list[str] = field(default_factory=list)


class StepFailed(Exception):
    """Statement number index of a plan failed (the transaction, if any, is rolled back by then)."""

    def __init__(self, index: int, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


def _run_all(conn: psycopg.Connection[Any], texts: list[str], start: int = 0) -> None:
    for index, text in enumerate(texts, start):
        try:
            catalog.execute_one(conn, text)
        except psycopg.Error as exc:
            raise StepFailed(index, exc) from exc


def outside_transaction(plan: Plan) -> list[int]:
    """The indexes of the statements that run (and commit) one by one, outside the plan's transaction."""
    count = len(plan.statements)
    return list(range(count - plan.alone if plan.is_transactional else 0, count))


@contextmanager
def change_connection(target: catalog.Target, dbname: str | None) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection of its own for a change, with the change statement and lock timeouts."""
    with targets.connect(target, dbname, autocommit=True, timeout_ms=target.change_timeout_ms) as conn:
        conn.execute("SELECT pg_catalog.set_config('lock_timeout', %s, false)", [str(CHANGE_LOCK_TIMEOUT_MS)])
        yield conn


def apply(conn: psycopg.Connection[Any], plan: Plan, *, preview: bool) -> dict[str, Any]:
    """Return the SQL (preview) or run it: in one transaction, or one by one when PostgreSQL requires it."""
    shown = statements.render(conn, plan.shown or plan.statements)
    alone = outside_transaction(plan)
    result: dict[str, Any] = {"sql": "\n".join(f"{s};" for s in shown), "statements": shown, "applied": False,
                              "outside_transaction": alone}
    if plan.ref is not None:
        result["ref"] = plan.ref.to_json()
    if plan.notes:
        result["notes"] = plan.notes
    if preview:
        return result
    texts = statements.render(conn, plan.statements)
    first_alone = alone[0] if alone else len(texts)
    try:
        if first_alone:
            with conn.transaction():
                _run_all(conn, texts[:first_alone])
        _run_all(conn, texts[first_alone:], first_alone)
    except StepFailed as failed:
        in_transaction = failed.index < first_alone
        error = database_error(failed.error, statement=shown[failed.index])
        error.extra.update(index=failed.index, rolled_back=in_transaction,
                           applied_statements=[] if in_transaction else shown[:failed.index])
        raise error from None
    result["applied"] = True
    return result
