"""Domain exceptions: what went wrong and how to fix it, with no Flask (settings, servermgr and jobs import them)."""

from __future__ import annotations

from typing import Any


class ConfigError(Exception):
    """A setting or the environment is wrong; the message names the fix."""


class AppError(Exception):
    """Base of errors a request can cause; carries its HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, hint: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        body.update(self.extra)
        return body


class BadRequest(AppError):
    """The request body or parameters are invalid."""


class NotAuthenticated(AppError):
    status, code = 401, "not_authenticated"


class LoginRefused(AppError):
    """Wrong credentials for a login or a password change; the message never says which emails exist."""

    status, code = 401, "login_failed"


class LoginLocked(LoginRefused):
    """Too many attempts at one account from one address (or from everywhere): no password is checked."""

    status, code = 429, "login_locked"


class PermissionDenied(AppError):
    status, code = 403, "forbidden"


class PasswordChangeRequired(AppError):
    status, code = 403, "password_change_required"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class LastAdmin(Conflict):
    code = "last_admin"


class PayloadTooLarge(AppError):
    status, code = 413, "too_large"


class Gone(AppError):
    """A resource that existed is gone for a stated reason (e.g. an idle query tool was reaped)."""

    status, code = 410, "gone"


class ServerAccessLost(Gone):
    """A query tool ended because its user lost the right to its server (deleted, or no longer shared)."""

    code = "server_access_lost"


class ClosedByAdmin(Gone):
    """An administrator closed the query tool (from the sessions panel); the message carries their reason."""

    code = "closed_by_admin"


class Busy(Conflict):
    code = "busy"


class AffinityLost(Conflict):
    code = "affinity_lost"


class LimitReached(AppError):
    status, code = 429, "limit_reached"


class PasswordRequired(AppError):
    """The database server asked for a password and none was given or saved."""

    code = "password_required"


class ServerNotAllowed(BadRequest):
    """The server policy (SERVER_DENIED_HOSTS, SERVER_ALLOWED_PORTS, …) refuses a host, port or file path; the
    message names the setting, and nothing was connected to or saved."""

    code = "server_not_allowed"


class ServerUnreachable(AppError):
    """libpq could not connect; the message is libpq's own."""

    status, code = 502, "server_unreachable"


class ConnectionSetupFailed(AppError):
    """Connected, but what the registration runs on every new connection (SET ROLE, post-connection SQL) failed."""

    status, code = 502, "connection_setup_failed"


class ConnectionLostError(Conflict):
    """The session's connection died with a transaction open; the user must reconnect on purpose."""

    code = "connection_lost"


class OutsideStorage(AppError):
    """A storage path that could leave the user's file area (.., links, NUL, …); nothing was touched."""

    code = "outside_storage"


class AlreadyExists(Conflict):
    """The target name is taken and the client did not ask to overwrite it."""

    code = "exists"


class IsDirectory(Conflict):
    """A file operation named a directory (e.g. delete without recursive)."""

    code = "is_directory"


class NotText(AppError):
    """A file opened as text is binary or not valid UTF-8."""

    code = "not_text"


class QuotaExceeded(PayloadTooLarge):
    """The write would take the user past STORAGE_QUOTA_MB; nothing was written."""

    code = "quota_exceeded"


class StorageUnavailable(AppError):
    """The server cannot use its storage directory (e.g. permissions); the message names the fix."""

    status, code = 500, "storage_unavailable"


class DiskFull(StorageUnavailable):
    """The file system holding the storage is full; nothing was written."""

    status, code = 507, "disk_full"


class StatementFailed(AppError):
    """PostgreSQL refused a statement run for the user; the message is the server's, with its SQLSTATE."""

    code = "statement_failed"


class StatementTimeout(AppError):
    """A catalog query or a change ran past its statement timeout and was cancelled by the server."""

    status, code = 504, "statement_timeout"


class PrivilegeRequired(PermissionDenied):
    """The database role lacks a privilege PostgreSQL checked (SQLSTATE 42501) or a superuser-only view."""

    code = "insufficient_privilege"


class ReadOnly(Conflict):
    """The object cannot be changed this way (a table without a primary key, a view); the message says why."""

    code = "read_only"


class ObjectLocked(Conflict):
    """Another session holds a lock the statement needed and the lock timeout ran out."""

    code = "object_locked"


class JobsUnavailable(AppError):
    """This platform cannot run background jobs (they need Linux's /proc to track their processes)."""

    status, code = 503, "jobs_unavailable"


class InterpreterUnavailable(AppError):
    """No Python to start a background job with (sys.executable is the WSGI host binary); names the setting."""

    status, code = 503, "interpreter_unavailable"


class ClientProgramMissing(AppError):
    """No pg_dump/pg_restore/psql at least as new as the server; the message names the version needed."""

    status, code = 503, "client_program_missing"


class JobLimitReached(LimitReached):
    """Too many background jobs running for this user or the whole server."""

    code = "job_limit"


class JobFinished(Conflict):
    """The job already ended, so it cannot be cancelled."""

    code = "job_finished"


class SshTunnelFailed(ServerUnreachable):
    """The SSH tunnel to a server's bastion could not be opened; the subclass says which step failed."""

    code = "ssh_tunnel_failed"


class SshSecretRequired(SshTunnelFailed):
    """The tunnel wants a password or key and this user saved none (each user of a shared server saves their own)."""

    status, code = 400, "ssh_secret_required"


class SshBastionUnreachable(SshTunnelFailed):
    """No TCP connection or SSH handshake with the bastion host."""

    code = "ssh_unreachable"


class SshAuthRefused(SshTunnelFailed):
    """The bastion refused the SSH user's password or key (or the key could not be read)."""

    code = "ssh_auth_refused"


class SshForwardRefused(SshTunnelFailed):
    """The bastion refused to forward to the database server (channel open failure)."""

    code = "ssh_forward_refused"


class SshHostKeyChanged(SshTunnelFailed):
    """The bastion presented a host key other than the one trusted on first use; nothing was sent to it."""

    code = "ssh_host_key_changed"


class MfaCodeInvalid(AppError):
    """A wrong, reused or expired code; the message never says which."""

    status, code = 400, "mfa_code_invalid"


class MfaNotEnabled(AppError):
    status, code = 409, "mfa_not_enabled"


class MfaUnreadable(AppError):
    """The TOTP secret no longer decrypts (the credentials key changed): an administrator must reset it."""

    status, code = 503, "mfa_unreadable"
