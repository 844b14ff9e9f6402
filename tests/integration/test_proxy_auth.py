"""Proxy (webserver) authentication through the app: REMOTE_USER and a header, trusted peers only, who is
created, who is refused, and a change of person behind the proxy."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, User
from tests.plugins.app_fixtures import ADMIN_EMAIL, AppFactory

pytestmark = pytest.mark.integration

TRUSTED = {"REMOTE_ADDR": "127.0.0.1"}
STRANGER = {"REMOTE_ADDR": "192.0.2.7"}
HEADER_MODE = {"AUTHENTICATION_SOURCES": ["internal", "proxy"], "PROXY_AUTH_HEADER": "X-Remote-User",
               "PROXY_AUTH_AUTO_CREATE": True, "PROXY_AUTH_EMAIL_DOMAIN": "example.org",
               "TRUSTED_PROXIES": ["127.0.0.1"]}


def session_user(client: FlaskClient, **environ: Any) -> Any:
    response = client.get("/api/v1/session", environ_overrides=environ)
    return response.status_code, (response.get_json() or {}).get("user", {}).get("email")


def audit_rows(app: Flask, action: str = "login") -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEvent).filter_by(action=action)
                                       .order_by(AuditEvent.id)).scalars())


def test_a_trusted_proxy_header_signs_the_person_in_and_creates_them(make_app: AppFactory) -> None:
    app = make_app(**HEADER_MODE)
    client = app.test_client()
    assert session_user(client, **TRUSTED, HTTP_X_REMOTE_USER="Alice") == (200, "alice@example.org")
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="alice@example.org")).scalar_one()
        assert (user.auth_source, user.external_id, user.is_admin, user.role_id) == ("proxy", "alice", False, None)
    page = client.get("/", environ_overrides={**TRUSTED, "HTTP_X_REMOTE_USER": "Alice"})
    assert page.status_code == 200 and b"alice@example.org" in page.data
    logins = [row for row in audit_rows(app) if row.outcome == "ok"]
    assert len(logins) == 1 and logins[0].details == {"method": "proxy"}  # one login, not one per request


def test_the_header_from_an_untrusted_peer_is_refused_logged_and_changes_nothing(make_app: AppFactory,
                                                                                 caplog: Any) -> None:
    app = make_app(**HEADER_MODE)
    client = app.test_client()
    response = client.get("/api/v1/session", environ_overrides={**STRANGER, "HTTP_X_REMOTE_USER": ADMIN_EMAIL})
    assert response.status_code == 403
    assert "only honoured from the console's proxy" in response.get_json()["error"]["message"]
    assert "not one of TRUSTED_PROXIES" in caplog.text
    refused = audit_rows(app)
    assert [(r.outcome, r.details["reason"], r.source) for r in refused] == [("refused", "untrusted_peer",
                                                                              "192.0.2.7")]
    assert session_user(client, **STRANGER)[0] == 401  # not logged in as anyone
    page = client.get("/", environ_overrides={**STRANGER, "HTTP_X_REMOTE_USER": ADMIN_EMAIL})
    assert page.status_code == 403


def test_remote_user_from_the_wsgi_server_is_trusted_and_a_client_header_of_that_name_is_not(
        make_app: AppFactory) -> None:
    app = make_app(AUTHENTICATION_SOURCES=["proxy"], PROXY_AUTH_AUTO_CREATE=True, TRUSTED_PROXIES=[])
    client = app.test_client()
    # A client's "Remote-User:" header arrives as HTTP_REMOTE_USER: it is not what mod_wsgi or uWSGI set.
    assert session_user(client, **STRANGER, HTTP_REMOTE_USER=ADMIN_EMAIL)[0] == 401
    assert session_user(client, **STRANGER, REMOTE_USER="carol@example.com") == (200, "carol@example.com")


def test_a_different_person_behind_the_proxy_ends_the_first_ones_login(make_app: AppFactory) -> None:
    app = make_app(**HEADER_MODE)
    client = app.test_client()
    assert session_user(client, **TRUSTED, HTTP_X_REMOTE_USER="alice")[1] == "alice@example.org"
    assert session_user(client, **TRUSTED, HTTP_X_REMOTE_USER="bob")[1] == "bob@example.org"
    assert session_user(client, **TRUSTED)[0] == 401  # the proxy names no one now: the proxy login is over


def test_who_is_refused(make_app: AppFactory) -> None:
    app = make_app(**{**HEADER_MODE, "PROXY_AUTH_AUTO_CREATE": False, "PROXY_AUTH_EMAIL_DOMAIN": ""})
    client = app.test_client()
    unknown = client.get("/api/v1/session", environ_overrides={**TRUSTED, "HTTP_X_REMOTE_USER": "dave@example.org"})
    assert unknown.status_code == 403 and "ask an administrator" in unknown.get_json()["error"]["message"]
    no_domain = client.get("/api/v1/session", environ_overrides={**TRUSTED, "HTTP_X_REMOTE_USER": "dave"})
    assert no_domain.status_code == 403 and "PROXY_AUTH_EMAIL_DOMAIN" in no_domain.get_json()["error"]["message"]
    # An internal account of the same email is not taken over by whoever the proxy names.
    internal = client.get("/api/v1/session", environ_overrides={**TRUSTED, "HTTP_X_REMOTE_USER": ADMIN_EMAIL})
    assert internal.status_code == 403 and "another sign-in method" in internal.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(auth_source="proxy")).first() is None


def test_a_locally_disabled_proxy_user_stays_out(make_app: AppFactory) -> None:
    app = make_app(**HEADER_MODE)
    client = app.test_client()
    assert session_user(client, **TRUSTED, HTTP_X_REMOTE_USER="erin")[0] == 200
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="erin@example.org")).scalar_one()
        user.active = False
        db.session.commit()
    fresh = app.test_client()
    response = fresh.get("/api/v1/session", environ_overrides={**TRUSTED, "HTTP_X_REMOTE_USER": "erin"})
    assert response.status_code == 403 and "disabled" in response.get_json()["error"]["message"]


def test_without_proxy_in_the_sources_the_header_means_nothing(app: Flask) -> None:
    client = app.test_client()
    assert session_user(client, **TRUSTED, HTTP_X_REMOTE_USER=ADMIN_EMAIL, REMOTE_USER=ADMIN_EMAIL)[0] == 401
