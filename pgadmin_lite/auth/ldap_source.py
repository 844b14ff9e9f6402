"""The LDAP / Active Directory source (ldap3): check a person's password by bind-as-user or search-then-bind over
TLS with the certificate verified, and read their email, display name and groups."""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

from ldap3 import BASE, NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPInvalidDnError, LDAPStartTLSError
from ldap3.utils.conv import escape_bytes, escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from pgadmin_lite.auth.ldap_config import (
    DOWN_MESSAGE,
    NO_EMAIL_MESSAGE,
    NO_ID_MESSAGE,
    SERVICE_MESSAGE,
    SOURCE,
    TLS_MESSAGE,
    DirectoryUnavailable,
    LdapSettings,
)
from pgadmin_lite.auth.provisioning import ExternalIdentity
from pgadmin_lite.errors import LoginRefused
from pgadmin_lite.users.permissions import USER

MAX_USERNAME = 256  # no directory has longer login names; longer input is refused before any request
INVALID_CREDENTIALS = 49
NO_SUCH_OBJECT = 32

log = logging.getLogger(__name__)


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


def person_id(settings: LdapSettings, entry: Mapping[str, Any]) -> str | None:
    """The console's id of a person: the DN, or the LDAP_ID_ATTRIBUTE value as hex (binary-safe: objectGUID)."""
    if not settings.id_attribute:
        return str(entry["dn"])
    raw = {name.lower(): values for name, values in (entry.get("raw_attributes") or {}).items()}
    values = raw.get(settings.id_attribute.lower()) or []
    return bytes(values[0]).hex() if values and values[0] else None


def is_dn(external_id: str) -> bool:
    """Ids are DNs (always with "=") or LDAP_ID_ATTRIBUTE values in hex (never with one)."""
    return "=" in external_id


def _find_by_id(settings: LdapSettings, connection: Connection, external_id: str) -> dict[str, Any] | None:
    if is_dn(external_id):  # an account from before LDAP_ID_ATTRIBUTE was set
        return read_entry_by_dn(settings, connection, external_id)
    query = f"({settings.id_attribute}={escape_bytes(bytes.fromhex(external_id))})"
    entries = _search(connection, settings.search_base, query, SUBTREE, settings.attributes, size_limit=2)
    return entries[0] if len(entries) == 1 else None


def current_entry(settings: LdapSettings, connection: Connection, external_id: str) -> dict[str, Any] | None:
    """The person's entry if it still exists and still matches LDAP_USER_FILTER (what sync-ldap keeps)."""
    if not external_id:
        return None
    found = (_find_by_id(settings, connection, external_id) if settings.id_attribute
             else read_entry_by_dn(settings, connection, external_id))
    username = first_value(found, settings.username_attribute) if found else None
    return read_entry(settings, connection, found["dn"], username) if found and username else None


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
    email = first_value(entry, settings.email_attribute)
    if not email:
        raise LoginRefused(NO_EMAIL_MESSAGE)
    external_id = person_id(settings, entry)
    if not external_id:
        raise LoginRefused(NO_ID_MESSAGE)
    groups = groups_of(settings, connection, entry)
    return ExternalIdentity(SOURCE, external_id, email, first_value(entry, settings.display_name_attribute), groups,
                            role_for(settings, groups))


def _is_plausible(username: str) -> bool:
    return bool(username) and len(username) <= MAX_USERNAME and username.isprintable()


def authenticate(settings: LdapSettings, username: str, password: str,
                 may_try: Callable[[str], bool] = lambda _email: True) -> ExternalIdentity | None:
    """The person's identity if the directory accepts this password; None if it does not (or finds no one).

    An empty password is refused before anything is sent: LDAP takes it as an unauthenticated bind, which succeeds.
    may_try(email) is asked, once search-then-bind found the person, before their password is tried: the lockout
    counts the person, however many names (uid, mail) reach them.
    """
    username = username.strip()
    if not password or not _is_plausible(username):
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
        if entry is None or not may_try(first_value(entry, settings.email_attribute) or entry["dn"]):
            return None
        person = _open(settings, entry["dn"], password)
        if person is None:
            return None
        close(person)
        return identity_of(settings, service, entry)
    finally:
        close(service)


def look_up(settings: LdapSettings, username: str) -> ExternalIdentity | None:
    """The identity of the one person LDAP_USER_FILTER finds for username, read with the service account."""
    username = username.strip()
    if not _is_plausible(username):
        return None
    service = service_connection(settings)
    try:
        entry = _find_person(settings, service, username)
        return identity_of(settings, service, entry) if entry else None
    finally:
        close(service)
