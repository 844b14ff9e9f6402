"""The click group behind setup_db.py: config DB set-up and user administration without the web server."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO

import click
from flask import Flask

from pgadmin_lite import create_app, settings
from pgadmin_lite.auth import lockout
from pgadmin_lite.auth.lockout import LockoutPolicy
from pgadmin_lite.auth.revocation import revoke_user_access
from pgadmin_lite.auth.service import locked_until
from pgadmin_lite.configdb import MIGRATIONS_DIR, check_schema, upgrade_schema
from pgadmin_lite.directories import ensure_directories
from pgadmin_lite.errors import AppError, ConfigError
from pgadmin_lite.keyfiles import create_key_file
from pgadmin_lite.models import User
from pgadmin_lite.servers import current_policy, servers_json
from pgadmin_lite.users import service

OWNED_FILES = ("SQLITE_PATH", "SESSION_DB_PATH", "SECRET_KEY_FILE", "CREDENTIALS_KEY_FILE", "LOG_FILE")


@contextmanager
def app_context(*, require_schema: bool = True) -> Iterator[Flask]:
    """An app context for a command; configuration and domain errors become clean CLI errors."""
    try:
        app = create_app(require_schema=require_schema)
        with app.app_context():
            yield app
    except (ConfigError, AppError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from exc


def read_password(from_stdin: bool, env_name: str | None = None) -> str | None:
    """A password from stdin or an environment variable, never from argv."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if env_name:
        return os.environ.get(env_name) or None
    return None


@click.group()
def cli() -> None:
    """Administer pgadmin_lite's config database and users."""


def _chown_paths(config: dict[str, object]) -> list[str]:
    """DATA_DIR, plus any configured path that lies outside it."""
    data_dir = Path(str(config["DATA_DIR"]))
    paths = [data_dir, Path(str(config["STORAGE_DIR"]))]
    paths += [Path(str(config[name])) for name in OWNED_FILES if Path(str(config[name])).exists()]
    outside = [p for p in paths[1:] if not p.is_relative_to(data_dir)]
    return list(dict.fromkeys(str(p) for p in [data_dir, *outside]))


def _hand_over(config: dict[str, object], owner: str | None) -> None:
    """As root, give the created files to the web server's user, or say how to."""
    if os.geteuid() != 0:
        return
    paths = _chown_paths(config)
    if owner is None:
        click.echo("Running as root: hand the files to the web server's user, e.g.\n"
                   f"  chown -R www-data: {' '.join(paths)}\n(or run setup-db again with --owner USER)")
        return
    for path in paths:
        for root, dirs, files in os.walk(path) if os.path.isdir(path) else [(path, [], [])]:
            for target in [root, *(os.path.join(root, name) for name in dirs + files)]:
                with contextlib.suppress(FileNotFoundError):  # SQLite's -wal/-shm come and go
                    shutil.chown(target, owner)
    click.echo(f"Handed {', '.join(paths)} to {owner}.")


def _first_admin_credentials(email: str | None, password_stdin: bool, random_password: bool) -> tuple[str, str]:
    email = email or os.environ.get("PGADMIN_LITE_SETUP_EMAIL")
    password = read_password(password_stdin) if password_stdin else os.environ.get("PGADMIN_LITE_SETUP_PASSWORD")
    interactive = sys.stdin.isatty()
    if not email:
        if not interactive:
            raise click.ClickException("No administrator email: pass --email or set PGADMIN_LITE_SETUP_EMAIL.")
        email = click.prompt("Email address of the first administrator")
    if not password and random_password:
        password = secrets.token_urlsafe(12)
        click.echo(f"Created administrator {email} with password: {password}\n(shown once; change it after logging in)")
    if not password:
        if not interactive:
            raise click.ClickException("No administrator password: use --password-stdin, "
                                       "PGADMIN_LITE_SETUP_PASSWORD or --random-password.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return email, password


@cli.command("setup-db")
@click.option("--email", help="Email of the first administrator (or PGADMIN_LITE_SETUP_EMAIL).")
@click.option("--password-stdin", is_flag=True, help="Read the administrator's password from stdin.")
@click.option("--random-password", is_flag=True, help="Generate the administrator's password and print it once.")
@click.option("--owner", help="As root: hand the created files to this OS user (the web server's).")
def setup_db(email: str | None, password_stdin: bool, random_password: bool, owner: str | None) -> None:
    """Create or upgrade the config DB and create the first administrator (idempotent)."""
    try:
        config = settings.load_settings()
        ensure_directories(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if create_key_file(config["SECRET_KEY_FILE"]):
        click.echo(f"Wrote a new secret key to {config['SECRET_KEY_FILE']}.")
    create_key_file(config["CREDENTIALS_KEY_FILE"])
    with app_context(require_schema=False) as app:
        check_schema(app, allow_upgrade=True)  # a newer schema: say so, not "Can't locate revision"
        upgrade_schema(app)
        if service.list_users():
            click.echo("The config database is up to date; users already exist, none was added.")
        else:
            address, password = _first_admin_credentials(email, password_stdin, random_password)
            user = service.create_user(address, password, is_admin=True,
                                       min_length=app.config["PASSWORD_LENGTH_MIN"])
            click.echo(f"Created administrator {user.email}.")
    _hand_over(config, owner)


@cli.command("add-user")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (else prompt on a TTY).")
def add_user(email: str, admin: bool, password_stdin: bool) -> None:
    """Add a console user."""
    with app_context() as app:
        password = read_password(password_stdin)
        if password is None:
            if not sys.stdin.isatty():
                raise click.ClickException("No password: use --password-stdin.")
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = service.create_user(email, password, is_admin=admin, min_length=app.config["PASSWORD_LENGTH_MIN"])
        click.echo(f"Added {'administrator' if user.is_admin else 'user'} {user.email} (id {user.id}).")


@cli.command("update-user")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Set a new password read from stdin.")
@click.option("--admin/--no-admin", default=None, help="Grant or remove administrator rights.")
@click.option("--active/--inactive", default=None, help="Allow or forbid logging in.")
@click.option("--unlock", is_flag=True,
              help="Clear the lockout after failed logins: the counts of every address and the account-wide one.")
def update_user(email: str, password_stdin: bool, admin: bool | None, active: bool | None, unlock: bool) -> None:
    """Change a user's password, role, active flag or lockout."""
    with app_context() as app:
        user = service.find_by_email(email)
        password = read_password(password_stdin)
        until = locked_until(user.email, lockout.policy(app)) if unlock else None
        service.update_user(user, revoke=partial(revoke_user_access, app), is_admin=admin, active=active,
                            password=password, unlock=unlock, force_change=False,
                            min_length=app.config["PASSWORD_LENGTH_MIN"])
        click.echo(f"Updated {user.email}.")
        if unlock:
            state = f"it was locked until {until:%Y-%m-%d %H:%M} UTC" if until else "it was not locked"
            click.echo(f"Cleared its failed logins from every address and account-wide ({state}).")


@cli.command("delete-user")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_user(email: str, yes: bool) -> None:
    """Delete a user and revoke their sessions."""
    with app_context() as app:
        user = service.find_by_email(email)
        if not yes:
            if not sys.stdin.isatty():
                raise click.ClickException("Refusing to delete without confirmation: add --yes.")
            click.confirm(f"Delete {user.email}?", abort=True)
        service.delete_user(user, revoke=partial(revoke_user_access, app))
        click.echo(f"Deleted {email}.")


def _user_row(user: User, policy: LockoutPolicy) -> dict[str, object]:
    row = user.to_dict()
    until = locked_until(user.email, policy)
    row["locked_until"] = until.isoformat() if until else None
    return row


@cli.command("get-users")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def get_users(as_json: bool) -> None:
    """List users."""
    with app_context() as app:
        rows = [_user_row(user, lockout.policy(app)) for user in service.list_users()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'ID':>4}  {'EMAIL':<40} {'ROLE':<6} {'ACTIVE':<6} LOCKED UNTIL")
    for row in rows:
        click.echo(f"{row['id']:>4}  {row['email']:<40} {'admin' if row['is_admin'] else 'user':<6} "
                   f"{'yes' if row['is_active'] else 'no':<6} {row['locked_until'] or '-'}")


@cli.command("load-servers")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--user", "email", required=True, help="Email of the user who will own the servers.")
@click.option("--replace", is_flag=True, help="First delete the user's own non-shared servers (same transaction).")
def load_servers(file: IO[str], email: str, replace: bool) -> None:
    """Import servers from a pgAdmin servers.json file (FILE or - for stdin); passwords are never imported."""
    text = file.read()
    with app_context():
        user = service.find_by_email(email)
        address = user.email
        parsed = servers_json.parse_servers_file(text, policy=current_policy(), may_share=user.is_admin,
                                                 source=file.name)
        count = servers_json.load_servers(user, parsed, replace=replace)
    for warning in parsed.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Loaded {count} servers for {address}")


@cli.command("dump-servers")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--user", "email", required=True, help="Email of the user whose servers are exported.")
def dump_servers(file: str, email: str) -> None:
    """Export a user's own servers as a pgAdmin servers.json file (FILE or - for stdout), without passwords."""
    with app_context():
        user = service.find_by_email(email)
        address = user.email
        document = servers_json.dump_servers(user)
    text = json.dumps(document, indent=4) + "\n"
    if file == "-":
        click.echo(text, nl=False)
    else:
        Path(file).write_text(text, encoding="utf-8")
    click.echo(f"Dumped {len(document['Servers'])} servers for {address} to {file}", err=file == "-")


@cli.command("doctor")
@click.option("--as-user", "as_user", help="The OS user the web server runs as (default: the current user).")
def doctor(as_user: str | None) -> None:
    """Check data directories, key files, the config DB schema and storage roots; exit 1 if something must be fixed."""
    from pgadmin_lite.doctor import Account, run_doctor

    try:
        config = settings.load_settings()
        findings = run_doctor(config, Account.named(as_user))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    for finding in findings:
        click.echo(finding.line())
    errors = sum(finding.level == "error" for finding in findings)
    warnings = sum(finding.level == "warn" for finding in findings)
    click.echo(f"doctor: {errors} problem(s) to fix, {warnings} warning(s)." if errors or warnings
               else "doctor: everything looks right.")
    if errors:
        raise SystemExit(1)


@cli.command("serve")
@click.option("--bind", help="host:port or unix:PATH (default DEFAULT_SERVER:DEFAULT_SERVER_PORT).")
def serve(bind: str | None) -> None:
    """Serve the console with Gunicorn (1 worker, 25 threads), plus the demo cluster when DEMO_CLUSTER is on."""
    from pgadmin_lite.demo import register_demo_server, start_demo_cluster

    with app_context() as app:
        config = dict(app.config)
    demo = None
    if config["DEMO_CLUSTER"]:
        demo, message = start_demo_cluster(config)
        click.echo(message)
        if demo is not None:
            owner = register_demo_server(create_app(), demo)
            click.echo(f'Registered it as "Local demo" for {owner}.')
    bind = bind or f"{config['DEFAULT_SERVER']}:{config['DEFAULT_SERVER_PORT']}"
    click.echo(f"Serving pgadmin_lite on http://{bind}/ (Ctrl-C stops it).")
    try:
        _run_gunicorn(bind)
    finally:
        if demo is not None:
            demo.stop(mode="fast")
            click.echo("Demo PostgreSQL stopped.")


def _run_gunicorn(bind: str) -> None:
    """Run Gunicorn as a child with the shipped config; SIGTERM to us is passed on."""
    conf = Path(MIGRATIONS_DIR).parent / "deploy" / "gunicorn" / "gunicorn.conf.py"
    argv = [sys.executable, "-m", "gunicorn", "-c", str(conf), "pgadmin_lite.wsgi:app"]
    # PYTHONOPTIMIZE=2 as the deploy/ configs set it: no docstrings or asserts, about 5 MiB less memory.
    child = subprocess.Popen(argv, env={"PYTHONOPTIMIZE": "2", **os.environ, "PGADMIN_LITE_BIND": bind})
    previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        while True:
            try:
                child.wait()
                return
            except KeyboardInterrupt:
                child.send_signal(signal.SIGINT)  # Ctrl-C reached us too: let Gunicorn shut down cleanly
    finally:
        signal.signal(signal.SIGTERM, previous)
