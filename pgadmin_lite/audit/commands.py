"""`setup_db.py audit-export`: the audit log as JSON lines on stdout, for a SIEM or an archive before the purge."""

from __future__ import annotations

import getpass
import json
import re

import click

from pgadmin_lite.errors import BadRequest

OPTIONS = {"from": "--since", "to": "--until"}  # the API's parameters under other names here


@click.command("audit-export")
@click.option("--since", "since", help="From this date or ISO date-time (UTC unless an offset is given).")
@click.option("--until", "until", help="Up to this date (included) or ISO date-time.")
@click.option("--action", help="An action, or a prefix such as user (user.create, user.update…).")
@click.option("--actor", help="Part of the actor's email.")
@click.option("--outcome", help="ok, refused, locked, failed…")
@click.option("--target", help="Exactly this target, e.g. user:7 or server:3.")
def audit_export(since: str | None, until: str | None, action: str | None, actor: str | None,
                 outcome: str | None, target: str | None) -> None:
    """Write the audit events (newest first, one JSON object a line) to stdout, filtered like the page."""
    from pgadmin_lite.audit import service
    from pgadmin_lite.audit.log import record
    from pgadmin_lite.cli import app_context

    given = {"from": since, "to": until, "action": action, "actor": actor, "outcome": outcome, "target": target}
    with app_context():
        try:
            filters = service.parse_filters({name: value for name, value in given.items() if value})
        except BadRequest as exc:  # named as this command's options, not the API's parameters
            message, field = exc.message, str(exc.extra.get("field", ""))
            for name in (field, "from") if field == "to" else (field,):  # "to must be later than from"
                message = re.sub(rf"(?<![\w-]){name}\b", OPTIONS.get(name, f"--{name}"), message, count=1)
            raise click.ClickException(message) from None
        record("audit.export", details={"filters": {name: value for name, value in given.items() if value},
                                        "via": "setup_db.py", "os_user": getpass.getuser()})
        out = click.get_text_stream("stdout")
        for event in service.iter_events(filters):
            out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
