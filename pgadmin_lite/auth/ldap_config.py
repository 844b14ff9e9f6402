"""The LDAP_* settings, validated at start-up, and the errors of the LDAP source (no ldap3 here: it loads with the
first LDAP login, see auth/ldap_source.py)."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pgadmin_lite.errors import ConfigError, LoginRefused

SOURCE = "ldap"
ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
MEMBERSHIPS = ("memberOf", "search", "none")
DOWN_MESSAGE = "The directory did not answer, so your password could not be checked; try again later."
TLS_MESSAGE = ("The directory's certificate could not be verified, so no password was sent; an administrator "
               "must check LDAP_CA_CERT_FILE and LDAP_SERVER_URI.")
SERVICE_MESSAGE = ("The directory refused this console's service account; an administrator must check "
                   "LDAP_BIND_DN and LDAP_BIND_PASSWORD_FILE.")
NO_EMAIL_MESSAGE = "The directory has no email address for you; ask an administrator."
NO_ID_MESSAGE = "Your directory entry has no LDAP_ID_ATTRIBUTE value; an administrator must check that setting."

log = logging.getLogger(__name__)



def _check_password_file(path: str) -> None:
    """The service password's file exists and not everyone on the host may read it."""
    try:
        mode = Path(path).stat().st_mode
    except OSError as exc:
        raise ConfigError(f"LDAP_BIND_PASSWORD_FILE {path!r} cannot be read: {exc.strerror}.") from exc
    if mode & stat.S_IROTH:
        raise ConfigError(f"LDAP_BIND_PASSWORD_FILE {path!r} is readable by every user of this host; "
                          f"chmod 600 (or 640 with the console's group) it.")


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
    id_attribute: str
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
        if bind_dn:
            _check_password_file(config["LDAP_BIND_PASSWORD_FILE"])
        if "{username}" not in config["LDAP_USER_FILTER"]:
            raise ConfigError("LDAP_USER_FILTER must contain {username}.")
        if not ATTRIBUTE_NAME.fullmatch(config["LDAP_ID_ATTRIBUTE"] or "a"):
            raise ConfigError(f"LDAP_ID_ATTRIBUTE must be an attribute name, got {config['LDAP_ID_ATTRIBUTE']!r}.")
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
                   config["LDAP_ID_ATTRIBUTE"], config["LDAP_USERNAME_ATTRIBUTE"], config["LDAP_EMAIL_ATTRIBUTE"],
                   config["LDAP_DISPLAY_NAME_ATTRIBUTE"], membership, config["LDAP_GROUP_SEARCH_BASE"],
                   config["LDAP_GROUP_FILTER"], config["LDAP_GROUP_NAME_ATTRIBUTE"], dict(roles),
                   bool(config["LDAP_AUTO_CREATE_USERS"]), timeouts[0], timeouts[1])

    @property
    def attributes(self) -> list[str]:
        wanted = [self.username_attribute, self.email_attribute, self.display_name_attribute]
        wanted += [self.id_attribute] if self.id_attribute else []
        return wanted + (["memberOf"] if self.membership == "memberOf" else [])

    def service_password(self) -> str:
        try:
            return Path(self.bind_password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            log.error("LDAP: cannot read LDAP_BIND_PASSWORD_FILE %s: %s", self.bind_password_file, exc)
            raise DirectoryUnavailable(SERVICE_MESSAGE) from exc
