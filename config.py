"""Every pgadmin_lite setting with its default; override in config_local.py or PGADMIN_LITE_<NAME>."""

from __future__ import annotations

import os

# --- Files and directories ------------------------------------------------------------------
# Root of all state the server writes; the four paths below derive from it unless set.
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
# Application log file (None: DATA_DIR/pgadmin_lite.log).
LOG_FILE: str | None = None
# SQLite file of the config database when CONFIG_DATABASE_URI is empty (None: DATA_DIR/pgadmin_lite.db).
SQLITE_PATH: str | None = None
# SQLite file holding server-side login sessions (None: DATA_DIR/sessions.db).
SESSION_DB_PATH: str | None = None
# Parent of every user's private file area (None: DATA_DIR/storage).
STORAGE_DIR: str | None = None
# File holding SECRET_KEY, written by `setup_db.py setup-db` (None: DATA_DIR/secret_key).
SECRET_KEY_FILE: str | None = None
# File holding the key that encrypts saved database passwords (None: DATA_DIR/credentials.key).
CREDENTIALS_KEY_FILE: str | None = None

# --- Config database ------------------------------------------------------------------------
# SQLAlchemy URL of a shared config DB, e.g. postgresql://user@host/pgadmin_lite ("" = SQLite).
CONFIG_DATABASE_URI = ""
# Seconds SQLite waits for a lock held by another writer before failing.
SQLITE_BUSY_TIMEOUT = 10

# --- Secrets --------------------------------------------------------------------------------
# Signs cookies and CSRF tokens; leave empty to use SECRET_KEY_FILE (never hard-code it here).
SECRET_KEY = ""
# Key (32+ chars) for saved database passwords, e.g. PGADMIN_LITE_CREDENTIALS_KEY; empty: CREDENTIALS_KEY_FILE.
CREDENTIALS_KEY = ""

# --- Web server -----------------------------------------------------------------------------
# Address `make run` binds to.
DEFAULT_SERVER = "127.0.0.1"
# Port `make run` binds to.
DEFAULT_SERVER_PORT = 5050
# Proxies whose X-Forwarded-* and X-Script-Name headers are honoured: IPs, CIDRs, or "unix"
# for peers on a Unix socket (a proxy on the same host, as in every shipped config).
TRUSTED_PROXIES = ["127.0.0.1", "::1", "unix"]
# Python that runs background jobs (e.g. /opt/pgadmin_lite/.venv/bin/python); empty: sys.executable when it
# really is Python (under uWSGI/mod_wsgi it is the server binary: set this, or uWSGI's py-sys-executable).
PYTHON_EXECUTABLE = ""
# Largest request body any route reads, in bytes (the storage upload streams and uses MAX_UPLOAD_SIZE instead).
MAX_REQUEST_BODY_SIZE = 10 * 1024 * 1024
# Seconds without a request after which the worker returns freed heap memory to the OS (glibc malloc_trim;
# 0 = never): after a burst of load it then shrinks back to about its idle size.
HEAP_TRIM_AFTER_S = 5.0

# --- Login and sessions ---------------------------------------------------------------------
# Login attempts at one email from one client address (IPv6: its /64) before that address is locked out of it.
MAX_LOGIN_ATTEMPTS = 5
# Login attempts at one email from all addresses together before every address it has not logged in from is locked.
MAX_ACCOUNT_LOGIN_ATTEMPTS = 50
# Minutes a lockout lasts, from the last attempt counted (an administrator can unlock earlier).
LOGIN_LOCKOUT_MINUTES = 15
# Days an address stays exempt from MAX_ACCOUNT_LOGIN_ATTEMPTS after a login from it succeeded (0: none is).
LOGIN_KNOWN_SOURCE_DAYS = 30
# Shortest accepted login password.
PASSWORD_LENGTH_MIN = 8
# Days a login session lives at most, active or not.
SESSION_EXPIRATION_TIME = 1
# Seconds without a request after which a session is logged out (0 = never).
USER_INACTIVITY_TIMEOUT = 3600
# Name of the session cookie.
SESSION_COOKIE_NAME = "pgadmin_lite_session"

# --- Sign-in sources (docs/authentication.md) -----------------------------------------------
# Sources in the order the login form tries a password: "internal" (this console's accounts) and "ldap"; "oidc"
# adds a button per OIDC_PROVIDERS entry; "proxy" takes the user from a header set by a TRUSTED_PROXIES peer.
AUTHENTICATION_SOURCES = ["internal"]
# With "internal" not listed, administrators with an internal account may still log in with it (break glass).
INTERNAL_BREAK_GLASS = True

# --- LDAP / Active Directory ----------------------------------------------------------------
# The directory: ldaps://host:636, or ldap://host:389 upgraded with StartTLS (see LDAP_USE_STARTTLS).
LDAP_SERVER_URI = ""
# Upgrade an ldap:// connection with StartTLS before any bind, so no password travels in clear.
LDAP_USE_STARTTLS = True
# PEM file of the CA(s) that sign the directory's certificate ("": the system's trust store); always verified.
LDAP_CA_CERT_FILE = ""
# Allow binds over plain ldap:// without TLS (passwords in clear on the wire): only for a closed test lab.
LDAP_ALLOW_PLAINTEXT = False
# Bind-as-user: the person's DN, {username} replaced by the login name (e.g. "uid={username},ou=people,dc=x").
# Empty: search-then-bind with the service account below.
LDAP_BIND_DN_TEMPLATE = ""
# Search-then-bind (and sync-ldap): the service account that searches for people and groups.
LDAP_BIND_DN = ""
# A file (readable only by the console) holding the service account's password; never the password itself.
LDAP_BIND_PASSWORD_FILE = ""
# Where people are searched (search-then-bind) and what sync-ldap checks it can read first.
LDAP_SEARCH_BASE = ""
# The filter that finds exactly one person; {username} is the login name, escaped (RFC 4515).
LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))"
# An attribute that never changes for a person, kept as their id here so that a renamed or moved entry stays the
# same account: "entryUUID" (OpenLDAP), "objectGUID" (Active Directory). Empty: the DN is the id.
LDAP_ID_ATTRIBUTE = ""
# The attribute holding a person's login name (uid; sAMAccountName on Active Directory).
LDAP_USERNAME_ATTRIBUTE = "uid"
# The attribute that gives a person's email (required: the console account is keyed by it).
LDAP_EMAIL_ATTRIBUTE = "mail"
# The attribute that gives a person's display name.
LDAP_DISPLAY_NAME_ATTRIBUTE = "cn"
# Group membership: "memberOf" (an attribute of the person: Active Directory, OpenLDAP's memberof overlay),
# "search" (LDAP_GROUP_FILTER under LDAP_GROUP_SEARCH_BASE), or "none".
LDAP_GROUP_MEMBERSHIP = "search"
# Where groups are searched (LDAP_GROUP_MEMBERSHIP = "search").
LDAP_GROUP_SEARCH_BASE = ""
# The filter that finds a person's groups; {dn} (their DN) and {username} (their login name) are escaped.
LDAP_GROUP_FILTER = "(|(&(objectClass=groupOfNames)(member={dn}))(&(objectClass=posixGroup)(memberUid={username})))"
# The attribute of a group (or of a memberOf DN's first part) that is its name here.
LDAP_GROUP_NAME_ATTRIBUTE = "cn"
# Directory group name -> role name ("Administrator", "User" or a custom role); the first listed group a person
# is in wins; none: the built-in User. Empty: roles are set in the console and left alone.
LDAP_GROUP_ROLES: dict[str, str] = {}
# Create a console user at a person's first LDAP login (else an administrator must have created them first).
LDAP_AUTO_CREATE_USERS = True
# Whole seconds to wait for the directory to accept a connection.
LDAP_CONNECT_TIMEOUT = 5
# Whole seconds to wait for each answer of the directory.
LDAP_RECEIVE_TIMEOUT = 10

# --- OpenID Connect -------------------------------------------------------------------------
# Providers offered as login buttons when AUTHENTICATION_SOURCES has "oidc": dicts with name, label,
# server_metadata_url (or issuer), client_id, client_secret, scope, email_claim, name_claim, groups_claim,
# roles_claim, role_map ({group or role value: role name}), auto_create, trust_mfa, require_verified_email,
# required_claims ({claim: value}, e.g. Google's {"hd": "example.com"}), client_secret_file (instead of the secret).
OIDC_PROVIDERS: list[dict] = []

# --- Proxy (webserver) authentication -------------------------------------------------------
# Where the front server puts the user it authenticated, with "proxy" in AUTHENTICATION_SOURCES: "REMOTE_USER"
# (set by mod_wsgi or uWSGI themselves) or a request header such as "X-Remote-User", honoured only from a
# TRUSTED_PROXIES peer (the proxy must overwrite a client's own copy; from anyone else it is refused and logged).
PROXY_AUTH_HEADER = "REMOTE_USER"
# Create a console user on a proxy user's first request (False: an administrator creates them first).
PROXY_AUTH_AUTO_CREATE = False
# Appended as "@<domain>" to a proxy user name that is not an email address ("": such names are refused).
PROXY_AUTH_EMAIL_DOMAIN = ""

# --- Two-factor authentication --------------------------------------------------------------
# Built-in roles whose users must use TOTP ("Administrator", "User"); custom roles have their own switch.
MFA_REQUIRED_FOR = []
# Seconds between the password step and the second factor (or the forced enrolment) before logging in again.
MFA_LOGIN_TIMEOUT = 300

# --- Audit log ------------------------------------------------------------------------------
# Days audit events are kept (0: for ever); older ones are purged once a day.
AUDIT_RETENTION_DAYS = 365

# --- Query tool and connections -------------------------------------------------------------
# Live query-tool connections one user may hold.
MAX_CONNECTIONS_PER_USER = 10
# Live query-tool connections the whole process may hold.
MAX_CONNECTIONS = 100
# Seconds a query tool's page keeps its connection alive without renewing its lease (it renews every third of
# this); past it, a session holding no open transaction is closed (a crashed browser sends no goodbye). 0: no
# lease, sessions live until MAX_SESSION_IDLE_TIME. Long enough for a background tab, which browsers wake only
# once a minute.
QUERY_TOOL_LEASE_SECONDS = 120
# Seconds a closed page's connection waits for the page to come back (a reload re-attaches) before it is closed;
# one holding an open transaction is kept until MAX_SESSION_IDLE_TIME.
QUERY_TOOL_CLOSE_GRACE_SECONDS = 5.0
# Seconds a query-tool session may sit idle before it is rolled back and closed.
MAX_SESSION_IDLE_TIME = 1800
# Seconds between checks that each open query tool's user, login and server still exist and grant access
# (a delete-user or load-servers --replace by setup_db.py runs in another process; changes made in the
# console itself end the tabs at once).
QUERY_TOOL_ACCESS_CHECK_SECONDS = 10.0
# Milliseconds an execute/result request waits for a statement before answering 202 (running).
QUERY_WAIT_MS = 300
# Longest wait_ms a client may ask for, so no request outlives a proxy timeout.
QUERY_MAX_WAIT_MS = 10000
# Rows in one page of a result.
RESULT_PAGE_SIZE = 1000
# Rows of one result a user may page through (0 = no cap); past it the result says truncated.
MAX_RESULT_ROWS = 0
# Rows kept as the preview of each row-returning statement of a script that is not the one being paged.
RESULT_PREVIEW_ROWS = 100
# Seconds a paged result outside the user's transaction may hold its snapshot after the last page was read;
# then the rest is spooled to DATA_DIR/results and the snapshot (and its locks) let go.
RESULT_HOLD_SECONDS = 20
# Largest spool of one result, in MiB; the rows past it are let go (the grid offers to run it again).
RESULT_SPOOL_MAX_MB = 64
# Default transaction modes of a query tool tab (psql's AUTOCOMMIT, ON_ERROR_ROLLBACK, --single-transaction).
QUERY_AUTOCOMMIT = True
# Default for auto-rollback on error: each statement in a transaction runs under a savepoint of ours.
QUERY_AUTO_ROLLBACK = False
# Default for running a whole script as one transaction (a failure undoes the script).
QUERY_SINGLE_TRANSACTION = False
# Query-history entries kept per user (oldest dropped first).
QUERY_HISTORY_MAX = 500
# Seconds a process may fail to take DATA_DIR's serving lock before it reports a second serving process
# (a graceful reload briefly runs the old and new worker side by side).
SERVING_LOCK_GRACE = 45.0
# Seconds libpq waits for a server to answer a connection attempt.
CONNECT_TIMEOUT = 10
# Milliseconds an object-browser or dashboard catalog query may run before the server cancels it.
CATALOG_STATEMENT_TIMEOUT_MS = 10000
# Milliseconds a create/alter/drop or a view-data edit may run (longer work belongs in the query tool).
CHANGE_STATEMENT_TIMEOUT_MS = 60000
# Seconds an idle object-browser/dashboard connection waits for its user's next request (0: closed at once).
SHORT_LIVED_IDLE_SECONDS = 30.0
# Most idle object-browser/dashboard connections kept in all (the oldest close first beyond it).
SHORT_LIVED_MAX_IDLE = 32

# --- Servers users may register (checked on create, change, load-servers, test, connect) -----
# Hosts no server may point at: IPs, CIDRs, host names (".example.com" matches names under it). The defaults
# are link-local addresses and the cloud metadata services (AWS, GCP, Azure, Alibaba, Oracle), which hand out
# the web host's credentials. Loopback (127.0.0.0/8, ::1) is allowed: a console next to its PostgreSQL is the
# common set-up (make run, the demo cluster); add "127.0.0.0/8" and "::1" when the web host runs other services.
SERVER_DENIED_HOSTS = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::/32", "fd20:ce::254", "100.100.100.200",
                       "168.63.129.16", "192.0.0.192", "metadata.google.internal", "metadata",
                       "instance-data", "instance-data.ec2.internal"]
# When not empty, the only hosts servers may point at (same forms), even ones SERVER_DENIED_HOSTS lists.
SERVER_ALLOWED_HOSTS: list[str] = []
# Ports servers may use: numbers and inclusive ranges such as "5432-5439" (below 1024 are other services).
SERVER_ALLOWED_PORTS: list[int | str] = ["1024-65535"]
# Ports an SSH tunnel's bastion may use (same forms); its host faces the host lists above, and the server behind
# it faces them by name and port (and by address when written as one): the bastion resolves its name, not us.
SERVER_ALLOWED_SSH_PORTS: list[int | str] = [22, "1024-65535"]
# Allow Unix-socket hosts (/run/postgresql): they connect as the web server's OS user, so peer authentication
# makes every console user that user (often postgres, a superuser).
SERVER_ALLOW_SOCKET_HOSTS = False
# System files users may name in sslrootcert/sslcert/sslkey/sslcrl/sslcrldir, e.g. ["/etc/ssl/certs/db-ca.pem"]
# (a trailing / trusts the files under a directory); any other path is refused, unchecked on disk.
SERVER_TRUSTED_TLS_PATHS: list[str] = []
# The system pg_service.conf whose services users may pick for a server (e.g. "/etc/postgresql-common/
# pg_service.conf"; "" = none). Its entries say where to connect; a password or passfile in them is never used.
PG_SERVICE_FILE = ""

# --- File storage ---------------------------------------------------------------------------
# Largest file one upload may store, in bytes; a proxy in front needs as much (nginx client_max_body_size).
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
# MiB each user's private file area may hold (0 = no quota); shared folders do not count.
STORAGE_QUOTA_MB = 0
# Folders every user also sees, e.g. [{"name": "team", "path": "/srv/sql", "read_only_for_users": True}].
SHARED_STORAGE: list[dict[str, object]] = []
# Keep a deleted user's files (renamed to STORAGE_DIR/u<id>.deleted-<time>) instead of removing them.
KEEP_STORAGE_ON_USER_DELETE = False

# --- Background jobs (backup, restore, maintenance, CSV import/export) ------------------------
# Folders searched for pg_dump, pg_restore, pg_dumpall and psql after /usr/lib/postgresql/<server major>/bin
# and before PATH, e.g. ["/usr/pgsql-16/bin"]; a program older than the server is never used.
PG_BIN_DIRS: list[str] = []
# Jobs one user may run at the same time (more are refused with 429).
MAX_JOBS_PER_USER = 2
# Jobs the whole server may run at the same time.
MAX_JOBS = 8
# Bytes of a job's log the API returns and the jobs page shows (its last lines).
JOB_LOG_TAIL_BYTES = 64 * 1024
# Bytes a job's log file may reach before its older part is dropped (the last lines are kept).
JOB_LOG_MAX_BYTES = 1024 * 1024
# Seconds a cancelled job gets to stop after SIGTERM before its whole process group is killed.
JOB_CANCEL_GRACE = 5.0
# Finished jobs (and their logs) kept per user; older ones are deleted when a new job starts.
JOB_HISTORY_MAX = 100

# --- Demo -----------------------------------------------------------------------------------
# Start a local PostgreSQL under DATA_DIR and register it as "Local demo" (make run only).
DEMO_CLUSTER = False
# Port of the demo cluster.
DEMO_CLUSTER_PORT = 5433

# --- Logging --------------------------------------------------------------------------------
# Level of messages printed to stderr.
CONSOLE_LOG_LEVEL = "WARNING"
# Level of messages written to LOG_FILE.
FILE_LOG_LEVEL = "INFO"
