"""The LDAP settings are checked at start-up, naming the setting; the group -> role rule (no directory needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgadmin_lite.auth.ldap_config import LdapSettings
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.settings import load_settings


@pytest.fixture
def base(tmp_path: Path) -> dict[str, Any]:
    secret = tmp_path / "bind-password"
    secret.write_text("s3cret\n")
    secret.chmod(0o600)
    config = load_settings(overrides={"DATA_DIR": str(tmp_path)})
    config.update(LDAP_SERVER_URI="ldaps://dc.example.org", LDAP_BIND_DN="cn=svc,dc=example,dc=org",
                  LDAP_BIND_PASSWORD_FILE=str(secret), LDAP_SEARCH_BASE="dc=example,dc=org",
                  LDAP_GROUP_SEARCH_BASE="ou=groups,dc=example,dc=org")
    return config


def test_defaults_and_derived_values(base: dict[str, Any]) -> None:
    settings = LdapSettings.from_config(base)
    assert (settings.host, settings.port, settings.use_ssl, settings.start_tls) == ("dc.example.org", 636, True,
                                                                                   False)
    assert settings.service_password() == "s3cret"
    starttls = LdapSettings.from_config({**base, "LDAP_SERVER_URI": "ldap://dc.example.org"})
    assert (starttls.port, starttls.use_ssl, starttls.start_tls) == (389, False, True)


@pytest.mark.parametrize(("change", "named"), [
    ({"LDAP_SERVER_URI": ""}, "LDAP_SERVER_URI"),
    ({"LDAP_SERVER_URI": "ldap://host/dc=x"}, "LDAP_SERVER_URI"),
    ({"LDAP_SERVER_URI": "ldap://host", "LDAP_USE_STARTTLS": False}, "in clear"),
    ({"LDAP_CA_CERT_FILE": "/nonexistent/ca.pem"}, "LDAP_CA_CERT_FILE"),
    ({"LDAP_BIND_DN": "", "LDAP_BIND_DN_TEMPLATE": ""}, "LDAP_BIND_DN_TEMPLATE"),
    ({"LDAP_SEARCH_BASE": ""}, "LDAP_SEARCH_BASE"),
    ({"LDAP_BIND_PASSWORD_FILE": "/nonexistent/pw"}, "LDAP_BIND_PASSWORD_FILE"),
    ({"LDAP_USER_FILTER": "(uid=alice)"}, "LDAP_USER_FILTER"),
    ({"LDAP_GROUP_MEMBERSHIP": "nested"}, "LDAP_GROUP_MEMBERSHIP"),
    ({"LDAP_GROUP_ROLES": {"dba": 3}}, "LDAP_GROUP_ROLES"),
    ({"LDAP_RECEIVE_TIMEOUT": 0.5}, "LDAP_RECEIVE_TIMEOUT"),
    ({"LDAP_ID_ATTRIBUTE": "entryUUID)(x=*"}, "LDAP_ID_ATTRIBUTE"),
])
def test_a_bad_setting_is_named(base: dict[str, Any], change: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        LdapSettings.from_config({**base, **change})


def test_a_world_readable_password_file_is_refused(base: dict[str, Any]) -> None:
    Path(base["LDAP_BIND_PASSWORD_FILE"]).chmod(0o644)
    with pytest.raises(ConfigError, match="readable by every user"):
        LdapSettings.from_config(base)


def test_roles_follow_the_first_listed_group(base: dict[str, Any]) -> None:
    from pgadmin_lite.auth.ldap_source import role_for

    settings = LdapSettings.from_config({**base, "LDAP_GROUP_ROLES": {"Admins": "Administrator", "dba": "DBA"}})
    assert role_for(settings, {"dba", "admins"}) == "Administrator"  # case-insensitive, in the map's order
    assert role_for(settings, {"DBA"}) == "DBA"
    assert role_for(settings, {"others"}) == "User"
    assert role_for(LdapSettings.from_config(base), {"dba"}) is None  # no map: roles are the console's
