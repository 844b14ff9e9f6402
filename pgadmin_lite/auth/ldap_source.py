"""The LDAP / Active Directory source (ldap3): check a person's password by bind-as-user or search-then-bind over
TLS with the certificate verified, and read their email, display name and groups."""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from ldap3 import BASE, NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPInvalidDnError, LDAPStartTLSError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from pgadmin_lite.errors import ConfigError, LoginRefused
from pgadmin_lite.users.permissions import USER

SOURCE = "ldap"
MAX_USERNAME = 256  # no directory has longer login names; longer input is refused before any request
INVALID_CREDENTIALS = 49
NO_SUCH_OBJECT = 32
MEMBERSHIPS = ("memberOf", "search", "none")
DOWN_MESSAGE = "The directory did not answer, so your password could not be checked; try again later."
TLS_MESSAGE = ("The directory's certificate could not be verified, so no password was sent; an administrator "
               "must check LDAP_CA_CERT_FILE and LDAP_SERVER_URI.")
SERVICE_MESSAGE = ("The directory refused this console's service account; an administrator must check "
                   "LDAP_BIND_DN and LDAP_BIND_PASSWORD_FILE.")
NO_EMAIL_MESSAGE = "The directory has no email address for you; ask an administrator."

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pgadmin_lite.auth.provisioning import ExternalIdentity


class DirectoryUnavailable(LoginRefused):
    """The directory could not be asked (down, timed out, TLS not verified, service account refused)."""

    status, code = 503, "directory_unavailable"


@dataclass(frozen=True)
class LdapSettings:
    """The LDAP_* settings, validated once at start-up."""

    host: str
    port: int
    use_ssl: bool
    start_tls: bool
    ca_file: str | None
    bind_dn_template: str
    bind_dn: str
    bind_password_file: str
    search_base: str
    user_filter: str
    username_attribute: str
    email_attribute: str
    display_name_attribute: str
    membership: str
    group_search_base: str
    group_filter: str
    group_name_attribute: str
    group_roles: Mapping[str, str]
    auto_create: bool
    connect_timeout: int  # whole seconds: ldap3 packs the receive timeout into a struct timeval
    receive_timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LdapSettings:
        uri = config["LDAP_SERVER_URI"]
        parts = urlsplit(uri) if isinstance(uri, str) else None
        if parts is None or parts.scheme not in ("ldap", "ldaps") or not parts.hostname or parts.path not in ("", "/"):
            raise ConfigError(f"LDAP_SERVER_URI must be ldaps://host[:port] or ldap://host[:port], got {uri!r}.")
        use_ssl = parts.scheme == "ldaps"
        start_tls = not use_ssl and bool(config["LDAP_USE_STARTTLS"])
        if not use_ssl and not start_tls and not config["LDAP_ALLOW_PLAINTEXT"]:
            raise ConfigError("LDAP_SERVER_URI is plain ldap:// with LDAP_USE_STARTTLS off: passwords would travel "
                              "in clear. Use ldaps:// or StartTLS (LDAP_ALLOW_PLAINTEXT = True only in a test lab).")
        ca_file = config["LDAP_CA_CERT_FILE"] or None
        if ca_file and not Path(ca_file).is_file():
            raise ConfigError(f"LDAP_CA_CERT_FILE {ca_file!r} is not a readable file.")
        template, bind_dn = config["LDAP_BIND_DN_TEMPLATE"], config["LDAP_BIND_DN"]
        if not template and not bind_dn:
            raise ConfigError("LDAP needs LDAP_BIND_DN_TEMPLATE (bind-as-user) or LDAP_BIND_DN with "
                              "LDAP_BIND_PASSWORD_FILE and LDAP_SEARCH_BASE (search-then-bind).")
        if template and "{username}" not in template:
            raise ConfigError("LDAP_BIND_DN_TEMPLATE must contain {username}.")
        if bind_dn and not (config["LDAP_BIND_PASSWORD_FILE"] and config["LDAP_SEARCH_BASE"]):
            raise ConfigError("LDAP_BIND_DN needs LDAP_BIND_PASSWORD_FILE and LDAP_SEARCH_BASE.")
        if "{username}" not in config["LDAP_USER_FILTER"]:
            raise ConfigError("LDAP_USER_FILTER must contain {username}.")
        membership = config["LDAP_GROUP_MEMBERSHIP"]
        if membership not in MEMBERSHIPS:
            raise ConfigError(f"LDAP_GROUP_MEMBERSHIP must be one of {', '.join(MEMBERSHIPS)}, got {membership!r}.")
        if membership == "search" and not config["LDAP_GROUP_SEARCH_BASE"]:
            raise ConfigError("LDAP_GROUP_MEMBERSHIP = 'search' needs LDAP_GROUP_SEARCH_BASE.")
        roles = config["LDAP_GROUP_ROLES"]
        if not isinstance(roles, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                  for k, v in roles.items()):
            raise ConfigError("LDAP_GROUP_ROLES must map group names to role names, e.g. {'dba': 'Administrator'}.")
        timeouts = [config["LDAP_CONNECT_TIMEOUT"], config["LDAP_RECEIVE_TIMEOUT"]]
        if not all(isinstance(t, int) and not isinstance(t, bool) and t > 0 for t in timeouts):
            raise ConfigError("LDAP_CONNECT_TIMEOUT and LDAP_RECEIVE_TIMEOUT must be whole seconds above 0, got "
                              f"{timeouts}.")
        return cls(parts.hostname, parts.port or (636 if use_ssl else 389), use_ssl, start_tls, ca_file, template,
                   bind_dn, config["LDAP_BIND_PASSWORD_FILE"], config["LDAP_SEARCH_BASE"], config["LDAP_USER_FILTER"],
                   config["LDAP_USERNAME_ATTRIBUTE"], config["LDAP_EMAIL_ATTRIBUTE"],
                   config["LDAP_DISPLAY_NAME_ATTRIBUTE"], membership, config["LDAP_GROUP_SEARCH_BASE"],
                   config["LDAP_GROUP_FILTER"], config["LDAP_GROUP_NAME_ATTRIBUTE"], dict(roles),
                   bool(config["LDAP_AUTO_CREATE_USERS"]), timeouts[0], timeouts[1])

    @property
    def attributes(self) -> list[str]:
        wanted = [self.username_attribute, self.email_attribute, self.display_name_attribute]
        return wanted + (["memberOf"] if self.membership == "memberOf" else [])

    def service_password(self) -> str:
        try:
            return Path(self.bind_password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            log.error("LDAP: cannot read LDAP_BIND_PASSWORD_FILE %s: %s", self.bind_password_file, exc)
            raise DirectoryUnavailable(SERVICE_MESSAGE) from exc


def _connection(settings: LdapSettings, dn: str | None = None, password: str | None = None) -> Connection:
    """An open connection, TLS verified (ldaps:// or StartTLS) before anything is sent; not bound yet."""
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file, sni=settings.host)
    server = Server(settings.host, port=settings.port, use_ssl=settings.use_ssl, tls=tls, get_info=NONE,
                    connect_timeout=settings.connect_timeout)
    connection = Connection(server, user=dn, password=password, authentication=SIMPLE, read_only=True,
                            auto_referrals=False, receive_timeout=settings.receive_timeout, raise_exceptions=False)
    try:
        connection.open(read_server_info=False)
        if settings.start_tls and not connection.start_tls(read_server_info=False):
            raise LDAPStartTLSError(f"StartTLS refused: {connection.result}")
    except LDAPException as exc:
        close(connection)
        _raise_unavailable(connection, exc)
    return connection


def close(connection: Connection) -> None:
    """Unbind, whatever state a failure left the socket in."""
    with contextlib.suppress(LDAPException, OSError):
        connection.unbind()


def _raise_unavailable(connection: Connection, exc: Exception) -> NoReturn:
    text = str(exc)
    is_tls = "CERTIFICATE" in text.upper() or "hostname" in text or isinstance(exc, LDAPStartTLSError)
    log.error("LDAP: %s at %s:%s: %s", "TLS not verified" if is_tls else "directory unreachable",
              connection.server.host, connection.server.port, text)
    raise DirectoryUnavailable(TLS_MESSAGE if is_tls else DOWN_MESSAGE) from exc


def _bind(connection: Connection) -> bool:
    """Bind with the connection's DN and password; False for refused credentials, unavailable otherwise."""
    try:
        if connection.bind():
            return True
    except LDAPException as exc:
        _raise_unavailable(connection, exc)
    if connection.result and connection.result.get("result") not in (INVALID_CREDENTIALS, None):
        log.info("LDAP: bind of %s refused: %s", connection.user, connection.result.get("description"))
    return False


def _open(settings: LdapSettings, dn: str, password: str) -> Connection | None:
    """A connection bound as dn, or None when the directory refused the password."""
    connection = _connection(settings, dn, password)
    try:
        if _bind(connection):
            return connection
    except DirectoryUnavailable:
        close(connection)
        raise
    close(connection)
    return None


def service_connection(settings: LdapSettings) -> Connection:
    """Bound as the service account (DirectoryUnavailable when it is refused)."""
    connection = _open(settings, settings.bind_dn, settings.service_password())
    if connection is None:
        log.error("LDAP: the service account %s was refused", settings.bind_dn)
        raise DirectoryUnavailable(SERVICE_MESSAGE)
    return connection


def _search(connection: Connection, base: str, query: str, scope: str, attributes: list[str],
            size_limit: int = 0) -> list[dict[str, Any]]:
    try:
        connection.search(base, query, search_scope=scope, attributes=attributes, size_limit=size_limit)
    except LDAPException as exc:
        _raise_unavailable(connection, exc)
    code = (connection.result or {}).get("result")
    if code not in (0, 4, NO_SUCH_OBJECT):  # 4: size limit exceeded, the entries read so far are kept
        log.error("LDAP: search under %s failed: %s", base, connection.result)
        raise DirectoryUnavailable(DOWN_MESSAGE)
    return [entry for entry in connection.response or [] if entry.get("type") == "searchResEntry"]


def user_filter(settings: LdapSettings, username: str) -> str:
    return settings.user_filter.replace("{username}", escape_filter_chars(username))


def _find_person(settings: LdapSettings, service: Connection, username: str) -> dict[str, Any] | None:
    """The one entry the filter finds (none or several: None)."""
    entries = _search(service, settings.search_base, user_filter(settings, username), SUBTREE, settings.attributes,
                      size_limit=2)
    if len(entries) != 1:
        if entries:
            log.warning("LDAP: the filter finds several entries for %r; refused", username)
        return None
    return entries[0]


def read_entry(settings: LdapSettings, connection: Connection, dn: str, username: str) -> dict[str, Any] | None:
    """The person's own entry, if it still matches LDAP_USER_FILTER (a disabled account may not)."""
    entries = _search(connection, dn, user_filter(settings, username), BASE, settings.attributes)
    return entries[0] if entries else None


def read_entry_by_dn(settings: LdapSettings, connection: Connection, dn: str) -> dict[str, Any] | None:
    """The entry at dn (None: no such entry, or not one this account may see)."""
    if not dn:
        return None
    entries = _search(connection, dn, "(objectClass=*)", BASE, settings.attributes)
    return entries[0] if entries else None


def first_value(entry: Mapping[str, Any], name: str) -> str | None:
    value = entry.get("attributes", {}).get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() or None if value is not None else None


def groups_of(settings: LdapSettings, connection: Connection, entry: Mapping[str, Any]) -> frozenset[str]:
    """The names of the person's groups, by memberOf or by a group search."""
    if settings.membership == "none":
        return frozenset()
    if settings.membership == "memberOf":
        names = set()
        for dn in entry.get("attributes", {}).get("memberOf") or []:
            try:
                attribute, value, _ = parse_dn(str(dn))[0]
            except (LDAPInvalidDnError, IndexError):
                continue
            if attribute.lower() == settings.group_name_attribute.lower():
                names.add(value)
        return frozenset(names)
    username = first_value(entry, settings.username_attribute) or ""
    query = (settings.group_filter.replace("{dn}", escape_filter_chars(entry["dn"]))
             .replace("{username}", escape_filter_chars(username)))
    found = _search(connection, settings.group_search_base, query, SUBTREE, [settings.group_name_attribute])
    return frozenset(name for name in (first_value(group, settings.group_name_attribute) for group in found) if name)


def role_for(settings: LdapSettings, groups: Iterable[str]) -> str | None:
    """The role of the first mapped group the person is in; the built-in User when none (no map: None, keep)."""
    if not settings.group_roles:
        return None
    names = {name.lower() for name in groups}
    return next((role for group, role in settings.group_roles.items() if group.lower() in names), USER)


def identity_of(settings: LdapSettings, connection: Connection, entry: Mapping[str, Any]) -> ExternalIdentity:
    from pgadmin_lite.auth.provisioning import ExternalIdentity  # it imports users.service, which imports auth

    email = first_value(entry, settings.email_attribute)
    if not email:
        raise LoginRefused(NO_EMAIL_MESSAGE)
    groups = groups_of(settings, connection, entry)
    return ExternalIdentity(SOURCE, entry["dn"], email, first_value(entry, settings.display_name_attribute), groups,
                            role_for(settings, groups))


def authenticate(settings: LdapSettings, username: str, password: str) -> ExternalIdentity | None:
    """The person's identity if the directory accepts this password; None if it does not (or finds no one).

    An empty password is refused before anything is sent: LDAP takes it as an unauthenticated bind, which succeeds.
    """
    username = username.strip()
    if not password or not username or len(username) > MAX_USERNAME or not username.isprintable():
        return None
    if settings.bind_dn_template:
        dn = settings.bind_dn_template.replace("{username}", escape_rdn(username))
        person = _open(settings, dn, password)
        if person is None:
            return None
        try:
            entry = read_entry(settings, person, dn, username)
            return identity_of(settings, person, entry) if entry else None
        finally:
            close(person)
    service = service_connection(settings)
    try:
        entry = _find_person(settings, service, username)
        if entry is None:
            return None
        person = _open(settings, entry["dn"], password)
        if person is None:
            return None
        close(person)
        return identity_of(settings, service, entry)
    finally:
        close(service)
