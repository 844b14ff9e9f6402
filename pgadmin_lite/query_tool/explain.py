"""EXPLAIN of the user's statement, wrapped here so the history keeps what they typed and errors point into it."""

from __future__ import annotations

from typing import Any

from pgadmin_lite.connections.session import RunNote
from pgadmin_lite.connections.splitter import split_text
from pgadmin_lite.errors import BadRequest

OPTIONS = ("analyze", "verbose", "costs", "settings", "buffers", "wal", "timing", "summary")
NEEDS_ANALYZE = ("timing", "wal")  # PostgreSQL (13+) refuses these set true without ANALYZE


def check_combination(options: dict[str, bool]) -> None:
    """Refuse, before anything runs, the combinations PostgreSQL would refuse."""
    if options.get("analyze"):
        return
    refused = [name.upper() for name in NEEDS_ANALYZE if options.get(name)]
    if refused:
        raise BadRequest(f"EXPLAIN option {' and '.join(refused)} requires ANALYZE.", field="explain",
                         hint="Tick ANALYZE too (the statement then really runs), or untick "
                              f"{' and '.join(refused)}.")


def explain_run(typed: Any, options: Any) -> tuple[str, RunNote]:
    """The SQL to send (EXPLAIN (…, FORMAT JSON) of the one statement typed) and the note for the history."""
    if not isinstance(typed, str) or not typed.strip():
        raise BadRequest("sql must be a non-empty string.")
    if not isinstance(options, dict) or any(name not in OPTIONS or not isinstance(value, bool)
                                            for name, value in options.items()):
        raise BadRequest(f"explain must be an object of true/false options: {', '.join(OPTIONS)}.")
    check_combination(options)
    statements = split_text(typed)
    if len(statements) != 1 or statements[0].is_meta:
        raise BadRequest("Explain takes one statement.",
                         hint="Select the statement to explain (or put the cursor's statement alone), then Explain.")
    settings = [f"{name.upper()} {'true' if value else 'false'}" for name, value in options.items()]
    prefix = f"EXPLAIN ({', '.join([*settings, 'FORMAT JSON'])}) "
    statement = statements[0]
    kind = "explain_analyze" if options.get("analyze") else "explain"
    return prefix + typed[:statement.offset + len(statement.sql)], RunNote(typed, kind, len(prefix))
