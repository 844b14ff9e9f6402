"""LDAP sign-in against a real OpenLDAP (tests/plugins/slapd_fixture.py): search-then-bind and bind-as-user over
StartTLS or LDAPS with the CA checked, refusals that send no password, injection, groups -> roles, the lockout,
locally disabled users, sync-ldap, and a directory that is down with break-glass administrators."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pgadmin_lite.auth import ldap_source
from pgadmin_lite.auth import service as auth_service
from pgadmin_lite.auth.passwords import hash_password
from pgadmin_lite.auth.sources import ldap_settings
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, Group, GroupMember, Role, User
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    USER_EMAIL,
    USER_PASSWORD,
    AppFactory,
    api_client,
    login,
)
from tests.plugins.postgres_fixture import free_port
from tests.plugins.slapd_fixture import (
    GROUPS,
    PEOPLE,
    PEOPLE_DATA,
    SERVICE_DN,
    SUFFIX,
    Slapd,
    person_ldif,
)
from tests.plugins.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
GENERIC = "Incorrect email or password."
ALICE_DN = f"uid=alice,{PEOPLE}"
BOB_BIND = f'BIND dn="uid=bob,{PEOPLE}" method'



def password(uid: str) -> str:
    return PEOPLE_DATA[uid][2]


def ldap_config(slapd: Slapd, **extra: Any) -> dict[str, Any]:
    """Search-then-bind over StartTLS with the test CA, groups searched; dba: DBA, console-admins: Administrator."""
    return {"AUTHENTICATION_SOURCES": ["internal", "ldap"], "LDAP_SERVER_URI": slapd.uri,
            "LDAP_CA_CERT_FILE": str(slapd.ca_file), "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD_FILE": str(slapd.service_password_file), "LDAP_SEARCH_BASE": SUFFIX,
            "LDAP_GROUP_SEARCH_BASE": GROUPS,
            "LDAP_GROUP_ROLES": {"console-admins": "Administrator", "dba": "DBA"}, **extra}


@pytest.fixture
def ldap_app(make_app: AppFactory, slapd: Slapd) -> Flask:
    app = make_app(**ldap_config(slapd))
    with app.app_context():
        db.session.add(Role(name="DBA", permissions=["servers.register", "query_tool.use"]))
        db.session.commit()
    return app


def user_row(app: Flask, email: str) -> User | None:
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def groups_of(app: Flask, email: str) -> set[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(db.select(Group.name, Group.source).join(GroupMember).join(User)
                                  .where(User.email == email)).all()
        return {(row.name, row.source) for row in rows}


class LogMark:
    """What slapd logged after this point (to show a password never reached it)."""

    def __init__(self, slapd: Slapd) -> None:
        self.slapd, self.start = slapd, len(slapd.log())

    def since(self) -> str:
        return self.slapd.log()[self.start:]


def refused(response: Any, message: str = GENERIC, status: int = 401) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)


def test_search_then_bind_over_starttls_maps_groups_and_role(ldap_app: Flask, slapd: Slapd) -> None:
    mark = LogMark(slapd)
    client = ldap_app.test_client()
    response = login(client, "alice", password("alice"))
    assert response.status_code == 302, response.get_data(as_text=True)
    session = client.get("/api/v1/session").get_json()
    assert session["user"]["email"] == "alice@example.org" and session["user"]["role"] == "DBA"
    assert set(session["user"]["permissions"]) == {"servers.register", "query_tool.use"}
    user = user_row(ldap_app, "alice@example.org")
    assert user is not None and user.auth_source == "ldap" and user.external_id == ALICE_DN
    assert user.display_name == "Alice Liddell" and not user.is_admin
    assert groups_of(ldap_app, "alice@example.org") == {("dba", "ldap"), ("analysts", "ldap")}
    wait_until(lambda: f'BIND dn="{ALICE_DN}" mech' in mark.since(), "slapd to log alice's bind")
    logged = mark.since()
    assert "STARTTLS" in logged and f'BIND dn="{SERVICE_DN}"' in logged
    # the person's bind came over TLS: slapd logs the connection's security strength factor (0: clear text)
    strength = re.search(f'BIND dn="{re.escape(ALICE_DN)}" mech=SIMPLE bind_ssf=0 ssf=(\\d+)', logged)
    assert strength and int(strength.group(1)) >= 128, logged
    with ldap_app.app_context():
        assert db.session.execute(db.select(AuditEvent).filter_by(action="login", actor_id=user.id)).scalars().all()
    # the same person by their email, in the same account
    assert login(ldap_app.test_client(), "alice@example.org", password("alice")).status_code == 302
    with ldap_app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(User)
                                  .filter_by(auth_source="ldap")).scalar() == 1


def test_a_mapped_role_that_requires_totp_asks_ldap_people_for_it(ldap_app: Flask) -> None:
    with ldap_app.app_context():
        db.session.execute(db.update(Role).filter_by(name="DBA").values(require_mfa=True))
        db.session.commit()
    client = ldap_app.test_client()
    response = login(client, "alice", password("alice"))
    assert response.status_code == 302 and "/login/mfa" in response.headers["Location"]
    assert client.get("/api/v1/session").status_code == 401  # not logged in before the second factor


def test_group_maps_to_administrator_and_a_lost_group_demotes(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, LDAP_GROUP_MEMBERSHIP="memberOf"))  # memberOf, as Active Directory
    client = app.test_client()
    assert login(client, "carol", password("carol")).status_code == 302
    assert client.get("/api/v1/session").get_json()["user"]["is_admin"] is True
    assert groups_of(app, "carol@example.org") == {("console-admins", "ldap")}
    assert client.get("/api/v1/users").status_code == 200
    slapd.modify(f"dn: cn=console-admins,{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid=carol,{PEOPLE}\n"
                 f"-\nadd: member\nmember: uid=dave,{PEOPLE}\n")
    try:
        client = app.test_client()
        assert login(client, "carol", password("carol")).status_code == 302
        assert client.get("/api/v1/session").get_json()["user"]["role"] == "User"
        assert groups_of(app, "carol@example.org") == set()
    finally:
        slapd.modify(f"dn: cn=console-admins,{GROUPS}\nchangetype: modify\nreplace: member\n"
                     f"member: uid=carol,{PEOPLE}\n")


def test_bind_as_user_with_posix_groups(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, LDAP_BIND_DN="", LDAP_BIND_PASSWORD_FILE="", LDAP_GROUP_ROLES={},
                                 LDAP_BIND_DN_TEMPLATE=f"uid={{username}},{PEOPLE}"))
    mark = LogMark(slapd)
    client = app.test_client()
    assert login(client, "bob", password("bob")).status_code == 302
    assert client.get("/api/v1/session").get_json()["user"]["email"] == "bob@example.org"
    assert groups_of(app, "bob@example.org") == {("devs", "ldap"), ("analysts", "ldap")}
    assert SERVICE_DN not in mark.since()  # no service account involved
    refused(login(app.test_client(), "bob", "wrong-password"))
    # a DN template escapes the name: "bob,ou=x" is not a way to pick another entry
    refused(login(app.test_client(), f"bob,{PEOPLE}", password("bob")))


def test_ldaps_with_the_right_ca(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, LDAP_SERVER_URI=slapd.ldaps_uri))
    assert login(app.test_client(), "dave", password("dave")).status_code == 302


@pytest.mark.parametrize("uri", ["starttls", "ldaps"])
def test_a_wrong_ca_sends_no_password(make_app: AppFactory, slapd: Slapd, uri: str) -> None:
    app = make_app(**ldap_config(slapd, LDAP_CA_CERT_FILE=str(slapd.other_ca_file),
                                 LDAP_SERVER_URI=slapd.uri if uri == "starttls" else slapd.ldaps_uri))
    mark = LogMark(slapd)
    response = login(app.test_client(), "alice", password("alice"))
    refused(response, "certificate could not be verified", 503)
    assert "BIND dn=" not in mark.since()
    assert user_row(app, "alice@example.org") is None


def test_a_certificate_for_another_name_sends_no_password(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, LDAP_SERVER_URI=slapd.wrong_name_uri))
    mark = LogMark(slapd)
    refused(login(app.test_client(), "alice", password("alice")), "certificate could not be verified", 503)
    assert "BIND dn=" not in mark.since()


def test_plain_ldap_is_refused_unless_explicitly_allowed(make_app: AppFactory, slapd: Slapd) -> None:
    with pytest.raises(ConfigError, match="in clear"):
        make_app(**ldap_config(slapd, LDAP_USE_STARTTLS=False))
    app = make_app(**ldap_config(slapd, LDAP_USE_STARTTLS=False, LDAP_ALLOW_PLAINTEXT=True))
    mark = LogMark(slapd)
    assert login(app.test_client(), "dave", password("dave")).status_code == 302
    assert "STARTTLS" not in mark.since()


@pytest.mark.parametrize("bad", ["no-uri", "ldap-template-without-username", "no-group-base", "bad-roles"])
def test_bad_settings_stop_the_app_naming_them(make_app: AppFactory, slapd: Slapd, bad: str) -> None:
    change, name = {"no-uri": ({"LDAP_SERVER_URI": "http://x"}, "LDAP_SERVER_URI"),
                    "ldap-template-without-username": ({"LDAP_BIND_DN": "", "LDAP_BIND_DN_TEMPLATE": "uid=x"},
                                                       "LDAP_BIND_DN_TEMPLATE"),
                    "no-group-base": ({"LDAP_GROUP_SEARCH_BASE": ""}, "LDAP_GROUP_SEARCH_BASE"),
                    "bad-roles": ({"LDAP_GROUP_ROLES": {"dba": ""}}, "LDAP_GROUP_ROLES")}[bad]
    with pytest.raises(ConfigError, match=name):
        make_app(**ldap_config(slapd, **change))


def test_wrong_unknown_and_empty_passwords_get_one_message(ldap_app: Flask, slapd: Slapd) -> None:
    refused(login(ldap_app.test_client(), "alice", "wrong-password"))
    refused(login(ldap_app.test_client(), "nobody-here", "whatever-1"))
    mark = LogMark(slapd)
    refused(login(ldap_app.test_client(), "alice", ""))
    assert f'BIND dn="{ALICE_DN}"' not in mark.since()  # an empty password never reaches the directory
    with ldap_app.app_context():
        assert ldap_source.authenticate(ldap_settings(ldap_app), "alice", "") is None
    assert user_row(ldap_app, "alice@example.org") is None


def test_unauthenticated_bind_is_why_empty_passwords_are_refused(ldap_app: Flask, slapd: Slapd) -> None:
    """This slapd, like Active Directory, answers a DN with an empty password with success (an unauthenticated
    bind, RFC 4513 5.1.2); the console refuses the empty password before asking."""
    done = subprocess.run(["/usr/bin/ldapwhoami", "-x", "-ZZ", "-H", slapd.uri, "-D", ALICE_DN, "-w", ""],
                          capture_output=True, text=True, env={"LDAPTLS_CACERT": str(slapd.ca_file)})
    assert done.returncode == 0 and done.stdout.strip() == "anonymous", done.stderr
    refused(login(ldap_app.test_client(), "alice", ""))
    assert user_row(ldap_app, "alice@example.org") is None


@pytest.mark.parametrize("name", ["*", "*)(uid=*", "admin1*", "adm*n1", "*)(|(uid=admin1", "admin1)(uid=*"])
def test_filter_injection_finds_no_one(ldap_app: Flask, slapd: Slapd, name: str) -> None:
    mark = LogMark(slapd)
    refused(login(ldap_app.test_client(), name, password("admin1")))
    assert 'BIND dn="uid=admin1' not in mark.since()
    assert user_row(ldap_app, "admin1@example.org") is None


def test_a_filter_that_finds_two_entries_refuses(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, LDAP_USER_FILTER="(|(uid={username})(uid=admin2))"))
    mark = LogMark(slapd)
    refused(login(app.test_client(), "admin1", password("admin1")))
    assert 'BIND dn="uid=admin' not in mark.since()
    assert "finds several entries" in Path(app.config["LOG_FILE"]).read_text()


def test_a_refused_service_account_is_named(make_app: AppFactory, slapd: Slapd, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not-the-service-password\n")
    wrong.chmod(0o600)
    app = make_app(**ldap_config(slapd, LDAP_BIND_PASSWORD_FILE=str(wrong)))
    refused(login(app.test_client(), "alice", password("alice")), "refused this console&#39;s service account", 503)
    assert f"the service account {SERVICE_DN} was refused" in Path(app.config["LOG_FILE"]).read_text()


def test_user_filter_escapes_the_name(ldap_app: Flask) -> None:
    with ldap_app.app_context():
        query = ldap_source.user_filter(ldap_settings(ldap_app), "*)(uid=*\\")
    assert query == "(&(objectClass=inetOrgPerson)(|(uid=\\2a\\29\\28uid=\\2a\\5c)(mail=\\2a\\29\\28uid=\\2a\\5c)))"


def test_lockout_counts_ldap_failures_and_holds_a_right_password(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, MAX_LOGIN_ATTEMPTS=2))
    mark = LogMark(slapd)
    refused(login(app.test_client(), "bob", "wrong-1"))
    refused(login(app.test_client(), "bob", "wrong-2"), "locked")  # the attempt that reached the limit says so
    wait_until(lambda: mark.since().count(BOB_BIND) == 2, "slapd to log both binds")
    response = login(app.test_client(), "bob", password("bob"))
    assert response.status_code == 401 and "locked" in response.get_data(as_text=True)
    assert mark.since().count(BOB_BIND) == 2  # a locked attempt asks the directory nothing


def test_the_lockout_counts_the_person_not_each_name_that_reaches_them(make_app: AppFactory, slapd: Slapd) -> None:
    """uid and mail both find bob: alternating them must not double the guesses."""
    app = make_app(**ldap_config(slapd, MAX_LOGIN_ATTEMPTS=2))
    mark = LogMark(slapd)
    refused(login(app.test_client(), "bob", "wrong-1"))
    refused(login(app.test_client(), "Bob@Example.org", "wrong-2"), "locked")
    wait_until(lambda: mark.since().count(BOB_BIND) == 2, "slapd to log both binds")
    for name in ("bob", "bob@example.org"):
        response = login(app.test_client(), name, password("bob"))
        assert response.status_code == 401 and "locked" in response.get_data(as_text=True), name
    assert mark.since().count(BOB_BIND) == 2  # no third guess reached the directory
    with app.app_context():
        auth_service.unlock("bob@example.org")  # the administrator's unlock, by the user's email, frees the person
        db.session.commit()
    assert login(app.test_client(), "bob@example.org", password("bob")).status_code == 302


def test_auto_create_off_refuses_unknown_people_until_an_admin_adds_them(make_app: AppFactory, slapd: Slapd,
                                                                       admin_client_for: Any) -> None:
    app = make_app(**ldap_config(slapd, LDAP_AUTO_CREATE_USERS=False))
    refused(login(app.test_client(), "dave", password("dave")), "You have no account on this console yet")
    assert user_row(app, "dave@example.org") is None
    assert api_client(app, USER_EMAIL, USER_PASSWORD).post("/api/v1/ldap/users", json={"username": "dave"}
                                                           ).status_code == 403
    admin = admin_client_for(app)
    for body, status in (({}, 400), ({"username": 7}, 400), ({"username": "nobody"}, 404), ({"username": "*"}, 404),
                         ({"username": "admin*"}, 404)):
        assert admin.post("/api/v1/ldap/users", json=body).status_code == status, body
    response = admin.post("/api/v1/ldap/users", json={"username": "dave"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["email"] == "dave@example.org" and response.get_json()["auth_source"] == "ldap"
    assert login(app.test_client(), "dave", password("dave")).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).filter_by(action="ldap.add_user")).scalars().all()


def test_add_ldap_user_command(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, LDAP_AUTO_CREATE_USERS=False))
    done = run_cli(app, slapd, "add-ldap-user", "bob", LDAP_AUTO_CREATE_USERS=False)
    assert done.returncode == 0, done.stderr
    bob = user_row(app, "bob@example.org")
    assert f"Added LDAP user bob@example.org (id {bob.id}, uid=bob,{PEOPLE})." in done.stdout
    assert login(app.test_client(), "bob", password("bob")).status_code == 302
    done = run_cli(app, slapd, "add-ldap-user", "nobody")
    assert done.returncode != 0 and "no single person for 'nobody'" in done.stderr


def test_locally_disabled_ldap_user_stays_out(ldap_app: Flask, admin_client_for: Any) -> None:
    assert login(ldap_app.test_client(), "alice", password("alice")).status_code == 302
    user = user_row(ldap_app, "alice@example.org")
    admin = admin_client_for(ldap_app)
    assert admin.patch(f"/api/v1/users/{user.id}", json={"is_active": False}).status_code == 200
    refused(login(ldap_app.test_client(), "alice", password("alice")), "This account is disabled")
    refused(login(ldap_app.test_client(), "alice", "wrong-password"))  # no hint without the right password


def test_ldap_users_password_is_never_checked_internally(ldap_app: Flask) -> None:
    assert login(ldap_app.test_client(), "alice", password("alice")).status_code == 302
    with ldap_app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="alice@example.org")).scalar_one()
        user.password_hash = hash_password("local-password-1")
        db.session.commit()
    app = ldap_app
    refused(login(app.test_client(), "alice@example.org", "local-password-1"))


@pytest.fixture
def admin_client_for() -> Any:
    return lambda app: api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def erin(slapd: Slapd) -> Iterator[str]:
    """A person of this test only, in the analysts group; deleted by the test or afterwards."""
    dn = f"uid=erin,{PEOPLE}"
    slapd.add(person_ldif("erin", "Erin Temp", "erin@example.org", "erin-pass-1"))
    slapd.modify(f"dn: cn=analysts,{GROUPS}\nchangetype: modify\nadd: member\nmember: {dn}\n")
    yield dn
    slapd.tool("ldapdelete", dn, check=False)
    slapd.tool("ldapmodify", stdin=f"dn: cn=analysts,{GROUPS}\nchangetype: modify\ndelete: member\nmember: {dn}\n",
               check=False)


def run_cli(app: Flask, slapd: Slapd, *args: str, **extra: Any) -> subprocess.CompletedProcess[str]:
    """`python setup_db.py ARGS` in its own process, configured by PGADMIN_LITE_* variables."""
    env = {**os.environ, "PGADMIN_LITE_DATA_DIR": app.config["DATA_DIR"]}
    for name, value in ldap_config(slapd, **extra).items():
        env[f"PGADMIN_LITE_{name}"] = value if isinstance(value, str) else json.dumps(value)
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "setup_db.py"), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def run_sync(app: Flask, slapd: Slapd, **extra: Any) -> subprocess.CompletedProcess[str]:
    return run_cli(app, slapd, "sync-ldap", **extra)


def test_sync_deactivates_a_deleted_person_and_revokes_their_session(ldap_app: Flask, slapd: Slapd,
                                                                     erin: str) -> None:
    erin_client = api_client(ldap_app, "erin", "erin-pass-1")
    alice_client = api_client(ldap_app, "alice", password("alice"))
    assert groups_of(ldap_app, "erin@example.org") == {("analysts", "ldap")}
    slapd.delete(erin)
    slapd.modify(f"dn: cn=dba,{GROUPS}\nchangetype: modify\nreplace: member\nmember: uid=dave,{PEOPLE}\n")
    try:
        done = run_sync(ldap_app, slapd)
        assert done.returncode == 0, done.stderr
        assert "Checked 2 LDAP user(s); deactivated 1: erin@example.org." in done.stdout
        assert user_row(ldap_app, "erin@example.org").active is False
        assert erin_client.get("/api/v1/session").status_code == 401  # the session was revoked at once
        assert alice_client.get("/api/v1/session").get_json()["user"]["role"] == "User"  # her open session too
        assert groups_of(ldap_app, "alice@example.org") == {("analysts", "ldap")}  # groups refreshed
        alice = user_row(ldap_app, "alice@example.org")
        assert alice.role_id is None and not alice.is_admin  # out of dba: the built-in User
        with ldap_app.app_context():
            events = db.session.execute(db.select(AuditEvent).filter_by(action="ldap.sync")).scalars().all()
            assert any(e.details.get("deactivated") == "erin@example.org" for e in events)
            assert any(e.details.get("checked") == 2 for e in events)
        # back in the directory, the person stays deactivated here until an administrator says otherwise
        slapd.add(person_ldif("erin", "Erin Temp", "erin@example.org", "erin-pass-1"))
        refused(login(ldap_app.test_client(), "erin", "erin-pass-1"), "This account is disabled")
    finally:
        slapd.modify(f"dn: cn=dba,{GROUPS}\nchangetype: modify\nreplace: member\nmember: {ALICE_DN}\n")


def test_sync_deactivates_a_person_disabled_in_the_directory(make_app: AppFactory, slapd: Slapd, erin: str) -> None:
    """A filter that excludes disabled accounts (as the Active Directory recipe's userAccountControl test does)."""
    active_only = "(&(objectClass=inetOrgPerson)(!(employeeType=disabled))(|(uid={username})(mail={username})))"
    app = make_app(**ldap_config(slapd, LDAP_USER_FILTER=active_only))
    erin_client = api_client(app, "erin", "erin-pass-1")
    slapd.modify(f"dn: {erin}\nchangetype: modify\nadd: employeeType\nemployeeType: disabled\n")
    refused(login(app.test_client(), "erin", "erin-pass-1"))  # the directory says no at once
    assert erin_client.get("/api/v1/session").status_code == 200  # until a sync looks
    done = run_sync(app, slapd, LDAP_USER_FILTER=active_only)
    assert done.returncode == 0 and "deactivated 1: erin@example.org" in done.stdout, done.stderr
    assert erin_client.get("/api/v1/session").status_code == 401
    assert user_row(app, "erin@example.org").active is False


def test_an_id_attribute_keeps_a_renamed_person_one_account(make_app: AppFactory, slapd: Slapd, erin: str) -> None:
    by_dn = make_app(**ldap_config(slapd))
    assert login(by_dn.test_client(), "erin", "erin-pass-1").status_code == 302
    assert user_row(by_dn, "erin@example.org").external_id == erin
    # the setting turned on later: one sync moves the account from its DN to its entryUUID
    done = run_sync(by_dn, slapd, LDAP_ID_ATTRIBUTE="entryUUID")
    assert done.returncode == 0 and "deactivated 0" in done.stdout, done.stderr
    uuid = slapd.tool("ldapsearch", "-LLL", "-b", erin, "-s", "base", "(objectClass=*)", "entryUUID").split()[-1]
    erin_id = user_row(by_dn, "erin@example.org")
    assert bytes.fromhex(erin_id.external_id).decode() == uuid
    by_id = make_app(**{**ldap_config(slapd, LDAP_ID_ATTRIBUTE="entryUUID"), "DATA_DIR": by_dn.config["DATA_DIR"]})
    renamed = f"uid=erin-renamed,{PEOPLE}"
    slapd.tool("ldapmodrdn", "-r", erin, "uid=erin-renamed")
    try:
        client = by_id.test_client()
        assert login(client, "erin-renamed", "erin-pass-1").status_code == 302
        assert client.get("/api/v1/session").get_json()["user"]["id"] == erin_id.id  # the same account
        done = run_sync(by_id, slapd, LDAP_ID_ATTRIBUTE="entryUUID")
        assert done.returncode == 0 and "deactivated 0" in done.stdout, done.stderr
        assert user_row(by_id, "erin@example.org").active is True
        # the setting turned off again: accounts known by it are reported and left alone, not deactivated
        done = run_sync(by_id, slapd, LDAP_ID_ATTRIBUTE="")
        assert "known by LDAP_ID_ATTRIBUTE" in done.stderr and user_row(by_id, "erin@example.org").active
    finally:
        slapd.tool("ldapdelete", renamed, check=False)


def test_sync_that_cannot_read_the_base_changes_nothing(ldap_app: Flask, slapd: Slapd) -> None:
    assert login(ldap_app.test_client(), "alice", password("alice")).status_code == 302
    done = run_sync(ldap_app, slapd, LDAP_SEARCH_BASE=f"ou=missing,{SUFFIX}")
    assert done.returncode != 0 and "nobody was changed" in done.stderr
    done = run_sync(ldap_app, slapd, LDAP_SERVER_URI=f"ldap://127.0.0.1:{free_port()}")
    assert done.returncode != 0 and "did not answer" in done.stderr
    assert user_row(ldap_app, "alice@example.org").active is True


def test_sync_api_for_administrators_only(ldap_app: Flask, slapd: Slapd, erin: str,
                                          admin_client_for: Any) -> None:
    erin_client = api_client(ldap_app, "erin", "erin-pass-1")
    assert erin_client.post("/api/v1/ldap/sync").status_code == 403
    assert api_client(ldap_app, USER_EMAIL, USER_PASSWORD).post("/api/v1/ldap/sync").status_code == 403
    admin = admin_client_for(ldap_app)
    assert admin.client.post("/api/v1/ldap/sync").status_code == 400  # no CSRF token
    slapd.delete(erin)
    response = admin.post("/api/v1/ldap/sync")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["deactivated"] == ["erin@example.org"]
    assert erin_client.get("/api/v1/session").status_code == 401


def test_sync_without_ldap_is_a_conflict(admin_client: Any) -> None:
    response = admin_client.post("/api/v1/ldap/sync")
    assert response.status_code == 409 and "AUTHENTICATION_SOURCES" in response.get_json()["error"]["message"]


def test_break_glass_can_be_switched_off(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, AUTHENTICATION_SOURCES=["ldap"], INTERNAL_BREAK_GLASS=False))
    refused(login(app.test_client(), ADMIN_EMAIL, ADMIN_PASSWORD))
    assert login(app.test_client(), "dave", password("dave")).status_code == 302


@pytest.mark.parametrize("break_glass", [True, False])
def test_directory_down_and_break_glass(make_app: AppFactory, slapd: Slapd, break_glass: bool) -> None:
    app = make_app(**ldap_config(slapd, AUTHENTICATION_SOURCES=["ldap"], INTERNAL_BREAK_GLASS=break_glass,
                                 LDAP_SERVER_URI=f"ldap://127.0.0.1:{free_port()}", LDAP_CONNECT_TIMEOUT=2))
    refused(login(app.test_client(), "alice", password("alice")), "The directory did not answer", 503)
    assert "LDAP: directory unreachable" in Path(app.config["LOG_FILE"]).read_text()
    admin = login(app.test_client(), ADMIN_EMAIL, ADMIN_PASSWORD)
    if break_glass:
        assert admin.status_code == 302
    else:
        refused(admin, "The directory did not answer", 503)
    # not an administrator: no break glass; the message is the same whoever asks
    refused(login(app.test_client(), USER_EMAIL, USER_PASSWORD), "The directory did not answer", 503)


def test_a_directory_that_accepts_but_never_answers_times_out(make_app: AppFactory, slapd: Slapd) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody ever answers
        port = silent.getsockname()[1]
        app = make_app(**ldap_config(slapd, LDAP_SERVER_URI=f"ldap://127.0.0.1:{port}", LDAP_RECEIVE_TIMEOUT=1))
        started = time.monotonic()
        refused(login(app.test_client(), "alice", password("alice")), "The directory did not answer", 503)
        assert time.monotonic() - started < 10


def test_break_glass_with_the_directory_up(make_app: AppFactory, slapd: Slapd) -> None:
    app = make_app(**ldap_config(slapd, AUTHENTICATION_SOURCES=["ldap"]))
    assert login(app.test_client(), ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
    refused(login(app.test_client(), USER_EMAIL, USER_PASSWORD))
    assert login(app.test_client(), "dave", password("dave")).status_code == 302
    with app.app_context():
        methods = [e.details.get("method") for e in db.session.execute(
            db.select(AuditEvent).filter_by(action="login", outcome="ok")).scalars()]
    assert methods == ["internal-break-glass", "ldap"]
