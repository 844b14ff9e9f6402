"""An LDAP person logs in through the form in Chromium (search-then-bind over StartTLS against a real slapd); their
directory groups give them a role and a server shared with one of those groups, which appears in their tree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pgadmin_lite import create_app
from pgadmin_lite.extensions import db
from pgadmin_lite.models import Group, Role, Server, ServerShare, User
from tests.plugins.app_fixtures import ADMIN_EMAIL, prepare_data_dir
from tests.plugins.browser import PageErrors, goto_ready, login
from tests.plugins.live_server import LiveServer, start_gunicorn
from tests.plugins.slapd_fixture import GROUPS, PEOPLE_DATA, SERVICE_DN, SUFFIX, Slapd

SERVER_NAME = "Analysts' PG"


@dataclass
class LdapConsole:
    server: LiveServer
    shared_id: int


@pytest.fixture(scope="module")
def ldap_console(tmp_path_factory: pytest.TempPathFactory, slapd: Slapd) -> Iterator[LdapConsole]:
    """A console with "ldap" as a source, a role for the dba group, and a server shared with the analysts group."""
    base = tmp_path_factory.mktemp("ldap-live")
    settings = prepare_data_dir(base / "data")
    with create_app(settings).app_context():
        db.session.add(Role(name="DBA", permissions=["servers.register", "query_tool.use", "storage.use"]))
        analysts = Group(name="analysts", source="ldap")  # as an administrator names it before anyone logged in
        admin = db.session.execute(db.select(User).filter_by(email=ADMIN_EMAIL)).scalar_one()
        server = Server(user_id=admin.id, name=SERVER_NAME, host="127.0.0.1", port=5432, username="analyst")
        db.session.add_all([analysts, server])
        db.session.flush()
        db.session.add(ServerShare(server_id=server.id, kind="group", target_id=analysts.id))
        db.session.commit()
        shared_id = server.id
    live = start_gunicorn(base / "data", base / "logs", settings={
        "AUTHENTICATION_SOURCES": json.dumps(["internal", "ldap"]), "LDAP_SERVER_URI": slapd.uri,
        "LDAP_CA_CERT_FILE": str(slapd.ca_file), "LDAP_BIND_DN": SERVICE_DN,
        "LDAP_BIND_PASSWORD_FILE": str(slapd.service_password_file), "LDAP_SEARCH_BASE": SUFFIX,
        "LDAP_GROUP_SEARCH_BASE": GROUPS, "LDAP_GROUP_ROLES": json.dumps({"dba": "DBA"})})
    try:
        yield LdapConsole(live, shared_id)
    finally:
        live.stop()


def session_of(page: Any, base: str) -> dict[str, Any]:
    return page.evaluate("async (base) => (await (await fetch(`${base}/api/v1/session`)).json()).user", base)


def test_ldap_login_maps_groups_to_a_role_and_a_share(ldap_console: LdapConsole, slapd: Slapd, page: Any) -> None:
    base = ldap_console.server.url
    page.goto(f"{base}/login")
    assert page.locator("input[name=email]").get_attribute("type") == "text"  # a user name, not only an email
    login(page, base, "alice", PEOPLE_DATA["alice"][2])
    goto_ready(page, f"{base}/")
    node = page.locator(f'li.ws-server[data-server-id="{ldap_console.shared_id}"]')
    node.wait_for()
    assert SERVER_NAME in node.inner_text()
    user = session_of(page, base)
    assert user["email"] == "alice@example.org" and user["role"] == "DBA" and not user["is_admin"]
    assert set(user["permissions"]) == {"servers.register", "query_tool.use", "storage.use"}
    assert "STARTTLS" in slapd.log()


def test_a_person_outside_the_group_sees_no_share(ldap_console: LdapConsole, page: Any) -> None:
    base = ldap_console.server.url
    login(page, base, "dave", PEOPLE_DATA["dave"][2])
    goto_ready(page, f"{base}/")
    assert page.locator(f'li.ws-server[data-server-id="{ldap_console.shared_id}"]').count() == 0
    assert session_of(page, base)["role"] == "User"


def test_a_wrong_password_shows_the_generic_message(ldap_console: LdapConsole, page: Any,
                                                   page_errors: PageErrors) -> None:
    page_errors.allow(r"status of 401 .*/login")  # the refused form post
    base = ldap_console.server.url
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "alice")
    page.fill("input[name=password]", "not-her-password")
    page.click("form.login button[type=submit]")
    assert page.inner_text("#login-error") == "Incorrect email or password."
