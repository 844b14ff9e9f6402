"""OpenID Connect sign-in against a real provider (oidc-provider on Node): the code flow and every refusal."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from pgadmin_lite.auth import oidc
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, Group, GroupMember, Role, User
from tests.plugins.app_fixtures import AppFactory
from tests.plugins.oidc_fixture import OidcProvider, provider_sign_in
from tests.plugins.postgres_fixture import free_port

BASE = "http://127.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_documents() -> None:
    oidc._cache.clear()  # each test's app meets the provider afresh


def make(make_app: AppFactory, provider: OidcProvider, *entries: dict[str, Any]) -> Flask:
    return make_app(AUTHENTICATION_SOURCES=["internal", "oidc"], OIDC_PROVIDERS=list(entries) or
                    [provider.settings()])


def start(client: FlaskClient, name: str = "test", next_url: str | None = None) -> str:
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    response = client.get(f"{BASE}/oidc/{name}/login{query}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sign_in(client: FlaskClient, login: str, name: str = "test", next_url: str | None = None,
            tamper_state: bool = False) -> Any:
    """The whole flow: the console's redirect, the provider's pages, and the console's callback."""
    authorize = start(client, name, next_url)
    callback = provider_sign_in(requests.Session(), authorize, login)
    if tamper_state:
        parts = urlsplit(callback)
        query = parse_qs(parts.query)
        query["state"] = [query["state"][0][:-2] + ("AA" if not query["state"][0].endswith("AA") else "BB")]
        callback = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return client.get(callback)


def session_user(client: FlaskClient) -> dict[str, Any] | None:
    response = client.get(f"{BASE}/api/v1/session")
    return response.get_json()["user"] if response.status_code == 200 else None


def last_login_event(app: Flask) -> AuditEvent:
    with app.app_context():
        return db.session.execute(db.select(AuditEvent).filter_by(action="login")
                                  .order_by(AuditEvent.id.desc())).scalars().first()


def test_code_flow_creates_user_maps_role_and_groups(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    client = app.test_client()
    authorize = start(client, next_url="/servers")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == [f"{BASE}/oidc/test/callback"]
    assert query["state"][0] and query["nonce"][0] and query["state"] != query["nonce"]
    response = client.get(provider_sign_in(requests.Session(), authorize, "alice"))
    assert response.status_code == 302 and response.headers["Location"] == "/servers"
    user = session_user(client)
    assert user and user["email"] == "alice@example.org" and user["is_admin"] is True  # roles claim -> role_map
    with app.app_context():
        row = db.session.execute(db.select(User).filter_by(email="alice@example.org")).scalar_one()
        assert (row.auth_source, row.external_id) == ("oidc:test", f"{oidc_provider.issuer}|alice")
        assert row.display_name == "Alice Operator"
        groups = set(db.session.execute(db.select(Group.name, Group.source).join(
            GroupMember, GroupMember.group_id == Group.id).filter(GroupMember.user_id == row.id)).all())
        assert groups == {("dba", "oidc:test"), ("staff", "oidc:test")}
    event = last_login_event(app)
    assert event.outcome == "ok" and event.details["method"] == "oidc:test"


def test_claims_only_in_userinfo_are_read_from_it(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    """Some providers keep email, name and groups out of the ID token: the UserInfo response (same sub) has them."""
    app = make(make_app, oidc_provider, oidc_provider.settings("userinfo"))
    client = app.test_client()
    assert sign_in(client, "alice", name="userinfo").status_code == 302
    user = session_user(client)
    assert user and user["email"] == "alice@example.org" and user["is_admin"] is True
    with app.app_context():
        assert {g.name for g in db.session.execute(db.select(Group).filter_by(source="oidc:userinfo")).scalars()} \
            == {"dba", "staff"}


def test_group_maps_to_a_custom_role(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider, oidc_provider.settings(role_map={"no-such": "Administrator",
                                                                        "dba": "Operators"}))
    with app.app_context():
        db.session.add(Role(name="Operators", permissions=["query_tool"]))
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, "alice").status_code == 302
    user = session_user(client)
    assert user and user["role"] == "Operators" and user["is_admin"] is False


def test_tampered_state_is_refused(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    client = app.test_client()
    response = sign_in(client, "bob", tamper_state=True)
    assert response.status_code == 401
    assert "does not match the one started in this browser" in response.get_data(as_text=True)
    assert session_user(client) is None
    event = last_login_event(app)
    assert (event.outcome, event.details["reason"]) == ("refused", "state mismatch")
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(email="bob@example.org")).first() is None


def test_callback_from_another_browser_or_replayed_is_refused(make_app: AppFactory,
                                                              oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    victim, attacker = app.test_client(), app.test_client()
    callback = provider_sign_in(requests.Session(), start(attacker), "bob")
    assert victim.get(callback).status_code == 401  # login CSRF: the victim started no login
    assert session_user(victim) is None
    assert attacker.get(callback).status_code == 302
    assert attacker.get(callback).status_code == 401  # the pending login was used up


def test_two_tabs_each_complete_their_own_login(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    client = app.test_client()
    first, second = start(client, next_url="/servers"), start(client, next_url="/account")
    assert parse_qs(urlsplit(first).query)["state"] != parse_qs(urlsplit(second).query)["state"]
    response = client.get(provider_sign_in(requests.Session(), first, "bob"))
    assert response.status_code == 302 and response.headers["Location"] == "/servers"


@pytest.mark.parametrize(("name", "reason"), [
    ("nonce", "nonce does not match"),
    ("key", "signature"),
    ("aud", "aud"),
    ("iss", "iss"),
])
def test_bad_id_token_is_refused(make_app: AppFactory, oidc_provider: OidcProvider, name: str, reason: str) -> None:
    """The provider re-signs the ID token wrong in one way: a wrong nonce, audience or issuer (its own key), or
    the right claims signed by a key with the published kid but other material."""
    app = make(make_app, oidc_provider, oidc_provider.settings(name))
    client = app.test_client()
    response = sign_in(client, "bob", name=name)
    assert response.status_code == 401
    assert "could not be verified" in response.get_data(as_text=True)
    assert session_user(client) is None
    event = last_login_event(app)
    assert event.outcome == "refused" and reason in event.details["reason"], event.details
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(email="bob@example.org")).first() is None


def test_auto_create_off_refuses_unknown_people(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider, oidc_provider.settings(auto_create=False))
    client = app.test_client()
    response = sign_in(client, "erin")
    assert response.status_code == 401
    assert "You have no account on this console yet" in response.get_data(as_text=True)
    assert session_user(client) is None
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(email="erin@example.org")).first() is None
        assert db.session.execute(db.select(Group).filter_by(source="oidc:test")).first() is None


def test_auto_create_off_admits_a_user_created_for_the_source(make_app: AppFactory,
                                                             oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider, oidc_provider.settings(auto_create=False))
    with app.app_context():
        db.session.add(User(email="erin@example.org", password_hash="!", auth_source="oidc:test"))
        db.session.add(User(email="bob@example.org", password_hash="!", auth_source="oidc:other"))
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, "erin").status_code == 302 and session_user(client)["email"] == "erin@example.org"
    with app.app_context():
        erin = db.session.execute(db.select(User).filter_by(email="erin@example.org")).scalar_one()
        assert erin.external_id == f"{oidc_provider.issuer}|erin"
    response = sign_in(app.test_client(), "bob")  # created for another source: not this provider's to claim
    assert response.status_code == 401 and "another sign-in method" in response.get_data(as_text=True)


def test_unverified_email_is_refused(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    client = app.test_client()
    response = sign_in(client, "carol")
    assert response.status_code == 401 and "has not verified your email" in response.get_data(as_text=True)
    assert session_user(client) is None


def test_an_unverified_email_never_claims_an_account_or_changes_one(make_app: AppFactory,
                                                                     oidc_provider: OidcProvider) -> None:
    """With require_verified_email off, anyone who may set their own email at the provider could type someone's."""
    app = make(make_app, oidc_provider, oidc_provider.settings(auto_create=False, require_verified_email=False))
    with app.app_context():
        db.session.add(User(email="carol@example.org", password_hash="!", auth_source="oidc:test"))
        db.session.commit()
    response = sign_in(app.test_client(), "carol")  # her provider account's email is not verified
    assert response.status_code == 401 and "another sign-in method" in response.get_data(as_text=True)
    with app.app_context():
        carol = db.session.execute(db.select(User).filter_by(email="carol@example.org")).scalar_one()
        assert carol.external_id is None  # not bound to whoever presented that email


def test_locally_disabled_user_is_refused(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    first = app.test_client()
    assert sign_in(first, "dave").status_code == 302
    with app.app_context():
        db.session.execute(db.update(User).filter_by(email="dave@example.org").values(active=False))
        db.session.commit()
    second = app.test_client()
    response = sign_in(second, "dave")
    assert response.status_code == 401 and "This account is disabled" in response.get_data(as_text=True)
    assert session_user(second) is None


def test_next_outside_the_prefix_is_ignored(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider)
    client = app.test_client()
    response = sign_in(client, "bob", next_url="https://evil.example/steal")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_page_has_a_button_per_provider(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider, oidc_provider.settings(), oidc_provider.settings("key", label="Other"))
    page = app.test_client().get(f"{BASE}/login?next=/servers").get_data(as_text=True)
    assert 'href="/oidc/test/login?next=/servers"' in page and "Log in with Other" in page
    assert app.test_client().get("/oidc/unknown/login").status_code == 404


def test_without_oidc_source_no_button_and_no_route(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make_app(OIDC_PROVIDERS=[oidc_provider.settings()])
    assert "oidc-login" not in app.test_client().get("/login").get_data(as_text=True)
    assert app.test_client().get("/oidc/test/login").status_code == 404


def test_oidc_source_without_providers_stops_the_app(make_app: AppFactory) -> None:
    with pytest.raises(ConfigError, match="OIDC_PROVIDERS is empty"):
        make_app(AUTHENTICATION_SOURCES=["internal", "oidc"], OIDC_PROVIDERS=[])


def test_unreachable_provider_is_a_clear_refusal(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    app = make(make_app, oidc_provider, oidc_provider.settings(issuer=closed))
    client = app.test_client()
    response = client.get(f"{BASE}/oidc/test/login")
    assert response.status_code == 401 and "cannot be reached" in response.get_data(as_text=True)
    assert session_user(client) is None
    event = last_login_event(app)
    assert event.outcome == "refused" and closed in event.details["reason"]


@pytest.mark.parametrize("entries", [
    {"name": "x"},
    [{"name": "Bad Name", "client_id": "c", "issuer": "https://idp.example"}],
    [{"name": "x", "client_id": "c"}],
    [{"name": "x", "client_id": "c", "issuer": "https://idp.example", "scope": "email"}],
    [{"name": "x", "client_id": "c", "issuer": "https://idp.example", "secret": "typo"}],
])
def test_bad_provider_settings_stop_the_app(entries: Any) -> None:
    with pytest.raises(ConfigError):
        oidc.parse_providers(entries)


def test_answer_naming_another_issuer_is_refused(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    """RFC 9207: the provider names itself in the redirect; an answer from another issuer (mix-up) is refused."""
    app = make(make_app, oidc_provider)
    client = app.test_client()
    callback = provider_sign_in(requests.Session(), start(client), "bob")
    assert parse_qs(urlsplit(callback).query)["iss"] == [oidc_provider.issuer]
    response = client.get(callback.replace("iss=http", "iss=https"))
    assert response.status_code == 401 and session_user(client) is None


def test_discovery_naming_another_issuer_is_refused(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider, oidc_provider.settings(
        server_metadata_url=f"{oidc_provider.issuer}/.well-known/openid-configuration",
        issuer="https://idp.example"))
    response = app.test_client().get(f"{BASE}/oidc/test/login")
    assert response.status_code == 401 and "misconfigured" in response.get_data(as_text=True)


def test_client_secret_from_a_file(make_app: AppFactory, oidc_provider: OidcProvider, tmp_path: Any) -> None:
    secret = tmp_path / "oidc-secret"
    secret.write_text(oidc_provider.settings()["client_secret"] + "\n")
    entry = {**oidc_provider.settings(), "client_secret": "", "client_secret_file": str(secret)}
    app = make(make_app, oidc_provider, entry)
    client = app.test_client()
    assert sign_in(client, "bob").status_code == 302 and session_user(client)
    with pytest.raises(ConfigError, match="cannot be read"):
        oidc.parse_providers([{**entry, "client_secret_file": str(tmp_path / "missing")}])


def test_required_claim_with_another_value_is_refused(make_app: AppFactory, oidc_provider: OidcProvider) -> None:
    app = make(make_app, oidc_provider, oidc_provider.settings(required_claims={"name": "Bob Builder"}))
    client = app.test_client()
    response = sign_in(client, "alice")
    assert response.status_code == 401 and "not one this console accepts" in response.get_data(as_text=True)
    assert sign_in(client, "bob").status_code == 302 and session_user(client)["email"] == "bob@example.org"
