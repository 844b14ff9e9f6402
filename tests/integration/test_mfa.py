"""Two-factor authentication (auth/mfa.py, auth/mfa_views.py): the service on both config-DB backends, and the
second login step, forced enrolment, Account page and administrator reset through real HTTP requests."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from pgadmin_lite import create_app
from pgadmin_lite.auth import mfa, second_step
from pgadmin_lite.errors import MfaCodeInvalid
from pgadmin_lite.extensions import db
from pgadmin_lite.models import AuditEvent, User
from pgadmin_lite.models.access import Role
from pgadmin_lite.models.users import RecoveryCode
from pgadmin_lite.servers.vault import app_vault
from tests.plugins.app_fixtures import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CSRF_INPUT,
    USER_EMAIL,
    USER_PASSWORD,
    ApiClient,
    api_client,
    form_csrf,
    prepare_data_dir,
)
from tests.plugins.postgres_fixture import PgServer

MAX_ATTEMPTS = 4
COOKIE = "pgadmin_lite_session"
SECRET_ON_PAGE = re.compile(r'id="mfa-secret">([A-Z2-7]+)<')
CODES_ON_PAGE = re.compile(r'<pre id="recovery-codes">([^<]+)</pre>')


def make(tmp_path: Path, **overrides: Any) -> Flask:
    return create_app(prepare_data_dir(tmp_path / "data", {"MAX_LOGIN_ATTEMPTS": MAX_ATTEMPTS, **overrides}))


@pytest.fixture(params=["sqlite", "postgresql"])
def both_app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    overrides: dict[str, Any] = {}
    if request.param == "postgresql":
        server: PgServer = request.getfixturevalue("pg_server")
        database: str = request.getfixturevalue("pg_database")
        overrides["CONFIG_DATABASE_URI"] = f"postgresql://{server.user}@{server.host}:{server.port}/{database}"
    return make(tmp_path, **overrides)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make(tmp_path)


def in_app(app: Flask, function: Callable[..., Any], email: str = USER_EMAIL) -> Any:
    """Run function(user, vault) on the user's row in an app context."""
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        return function(user, app_vault(app))


def enrol(app: Flask, email: str = USER_EMAIL) -> tuple[pyotp.TOTP, list[str]]:
    """Turn TOTP on for email through the service; the code that confirmed it is the previous step's."""
    secret = in_app(app, lambda user, vault: mfa.start_enrolment(user, vault).secret, email)
    totp = pyotp.TOTP(secret)
    codes = in_app(app, lambda user, vault: mfa.confirm_enrolment(
        user, vault, totp.at(time.time() - 30), now=time.time()), email)
    return totp, codes


def check(app: Flask, code: str, *, now: float | None = None, email: str = USER_EMAIL) -> str | None:
    try:
        return in_app(app, lambda user, vault: mfa.check_code(user, vault, code, now=now), email)
    except MfaCodeInvalid:
        return None


# --- The service ----------------------------------------------------------------------------------------------

def test_enrolment_is_on_only_after_a_right_code_and_the_secret_is_sealed(both_app: Flask) -> None:
    enrolment = in_app(both_app, lambda user, vault: mfa.start_enrolment(user, vault))
    assert enrolment.uri.startswith("otpauth://totp/pgadmin_lite:user%40example.com?secret=")
    assert "issuer=pgadmin_lite" in enrolment.uri
    assert enrolment.qr_svg().startswith("<svg") and "http" not in enrolment.qr_svg().split("xmlns")[0]
    with pytest.raises(MfaCodeInvalid):
        in_app(both_app, lambda user, vault: mfa.confirm_enrolment(user, vault, "000000"))
    assert not in_app(both_app, lambda user, _: mfa.is_enabled(user))
    codes = in_app(both_app, lambda user, vault: mfa.confirm_enrolment(user, vault, pyotp.TOTP(enrolment.secret).now()))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = in_app(both_app, lambda user, _: (user.totp_secret_enc, [c.code_hash for c in db.session.execute(
        db.select(RecoveryCode).filter_by(user_id=user.id)).scalars()]))
    assert stored[0].startswith("v1:") and enrolment.secret not in stored[0]
    assert all(h.startswith("hmac-sha256:") and not any(c.replace("-", "") in h for c in codes) for h in stored[1])


def test_a_code_is_accepted_once_and_no_earlier_step_after_it(both_app: Flask) -> None:
    totp, _ = enrol(both_app)
    now = time.time()
    assert check(both_app, totp.at(now), now=now) == "totp"
    assert check(both_app, totp.at(now), now=now) is None  # replayed
    assert check(both_app, totp.at(now - 30), now=now) is None  # an earlier step, though within the window
    assert check(both_app, totp.at(now + 30), now=now + 30) == "totp"


def test_parallel_uses_of_one_code_succeed_once(both_app: Flask) -> None:
    totp, _ = enrol(both_app)
    now = time.time()
    start = threading.Barrier(8)

    def one(_: int) -> str | None:
        start.wait(timeout=30)
        return check(both_app, totp.at(now), now=now)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    assert results.count("totp") == 1, results


def test_the_valid_window_is_one_step_either_side(app: Flask) -> None:
    totp, _ = enrol(app)
    now = time.time() + 300  # later than the step that confirmed the enrolment
    assert check(app, totp.at(now - 60), now=now) is None
    assert check(app, totp.at(now + 60), now=now) is None
    assert check(app, totp.at(now - 30), now=now) == "totp"
    assert check(app, totp.at(now + 30), now=now) == "totp"
    assert check(app, "12345", now=now) is None and check(app, "", now=now) is None


def test_a_recovery_code_works_once_whatever_its_spelling(app: Flask) -> None:
    _, codes = enrol(app)
    assert check(app, f"  {codes[0].upper().replace('-', ' ')} ") == "recovery_code"
    assert check(app, codes[0]) is None
    assert check(app, codes[1]) == "recovery_code"
    assert in_app(app, lambda user, _: mfa.recovery_codes_left(user)) == 8
    _, other = enrol(app, ADMIN_EMAIL)
    assert check(app, other[0]) is None  # another user's code


def test_regenerated_codes_replace_the_old_ones(app: Flask) -> None:
    _, old = enrol(app)
    new = in_app(app, lambda user, vault: mfa.regenerate_recovery_codes(user, vault))
    assert check(app, old[2]) is None
    assert check(app, new[0]) == "recovery_code"


def test_required_for_names_built_in_roles_and_custom_roles_have_their_switch(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="MFA_REQUIRED_FOR must be a list of Administrator, User"):
        make(tmp_path / "bad", MFA_REQUIRED_FOR=["Admins"])
    app = make(tmp_path, MFA_REQUIRED_FOR=["Administrator"])
    assert in_app(app, lambda user, _: mfa.is_required(user, ("Administrator",)), ADMIN_EMAIL)
    assert not in_app(app, lambda user, _: mfa.is_required(user, ("Administrator",)))
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=USER_EMAIL)).scalar_one()
        user.role = Role(name="dba", permissions=[], require_mfa=True)
        db.session.commit()
        assert mfa.is_required(user, ())


# --- The second login step -------------------------------------------------------------------------------------

def password_step(client: FlaskClient, email: str = USER_EMAIL, password: str = USER_PASSWORD,
                  next_url: str = "") -> Any:
    return client.post("/login", data={"email": email, "password": password, "next": next_url,
                                       "csrf_token": form_csrf(client)})


def second_step_with(client: FlaskClient, code: str) -> Any:
    return client.post("/login/mfa", data={"code": code, "csrf_token": form_csrf(client, "/login/mfa")})


HALF_LOGIN_PROBES = ["/api/v1/session", "/api/v1/servers", "/api/v1/users", "/api/v1/storage?path=/"]


def test_after_the_password_a_half_login_reaches_nothing_but_the_second_step(app: Flask) -> None:
    totp, _ = enrol(app)
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie(COOKIE)
    response = password_step(client, next_url="/servers")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/mfa")
    half = client.get_cookie(COOKIE)
    assert half is not None and half.value != (before.value if before else None)
    assert not half.value.startswith("s.")  # no server-side login session exists yet
    for path in HALF_LOGIN_PROBES:
        assert client.get(path).status_code == 401, path
    assert client.get("/").status_code == 302 and "/login" in client.get("/").headers["Location"]
    assert client.get("/account").headers["Location"].startswith("/login")
    api = client.post("/api/v1/account/password", json={"current_password": USER_PASSWORD, "new_password": "x" * 9})
    assert api.status_code in (400, 401)  # no CSRF token of a login, and no login
    assert "Two-factor authentication" in client.get("/login/mfa").get_data(as_text=True)
    response = second_step_with(client, totp.now())
    assert response.status_code == 302 and response.headers["Location"] == "/servers"
    assert client.get_cookie(COOKIE).value.startswith("s.")  # a new server-side session, minted now
    assert client.get("/api/v1/session").get_json()["user"]["email"] == USER_EMAIL
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="login").order_by(
            AuditEvent.id.desc())).scalars().first()
        assert event is not None and event.details == {"method": "internal", "mfa": "totp"}


def test_the_half_login_expires(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    totp, _ = enrol(app)
    client = app.test_client()
    password_step(client)
    csrf = form_csrf(client, "/login/mfa")
    later = time.time() + app.config["MFA_LOGIN_TIMEOUT"] + 1
    monkeypatch.setattr(second_step.time, "time", lambda: later)
    response = client.post("/login/mfa", data={"code": totp.now(), "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/api/v1/session").status_code == 401
    assert "timed out" in client.get("/login").get_data(as_text=True)


def test_wrong_codes_count_toward_the_password_lockout_and_a_new_password_step_does_not_reset_them(
        app: Flask) -> None:
    """MAX_ATTEMPTS is 4: four wrong codes lock, however often the password is entered again in between."""
    totp, _ = enrol(app)
    client = app.test_client()
    for _ in range(MAX_ATTEMPTS):
        assert password_step(client).status_code == 302  # the password again gives no fresh tries
        assert second_step_with(client, "000000").status_code == 401
    locked = second_step_with(client, totp.now())  # the right code, but the tries ran out
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    assert client.get("/api/v1/session").status_code == 401
    with app.app_context():
        outcomes = [e.outcome for e in db.session.execute(db.select(AuditEvent).filter_by(action="mfa.verify"))
                    .scalars()]
    assert outcomes == ["refused"] * MAX_ATTEMPTS + ["locked"]
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    user_id = in_app(app, lambda u, _: u.id)
    assert admin.get(f"/api/v1/users/{user_id}").get_json()["locked_until"]  # the administrator sees the lock
    assert admin.patch(f"/api/v1/users/{user_id}", json={"unlock": True}).status_code == 200
    assert second_step_with(client, totp.now()).status_code == 302  # and lifts it


def test_a_right_code_gives_the_tries_back(app: Flask) -> None:
    totp, _ = enrol(app)
    now = time.time()
    first = app.test_client()
    password_step(first)
    assert second_step_with(first, "000000").status_code == 401
    assert second_step_with(first, totp.at(now)).status_code == 302
    second = app.test_client()
    password_step(second)
    for _ in range(MAX_ATTEMPTS - 2):
        assert second_step_with(second, "000000").status_code == 401
    assert second_step_with(second, totp.at(now + 30)).status_code == 302


def test_a_password_alone_never_logs_in_a_totp_user(app: Flask) -> None:
    enrol(app)
    client = app.test_client()
    password_step(client)
    assert second_step_with(client, "").status_code in (400, 401)
    assert client.post("/login/mfa/enrol", data={"code": "123456", "csrf_token": form_csrf(client, "/login/mfa")}
                       ).headers["Location"].startswith("/login")
    assert client.get("/api/v1/session").status_code == 401


def test_a_recovery_code_logs_in_once(app: Flask) -> None:
    _, codes = enrol(app)
    client = app.test_client()
    password_step(client)
    assert second_step_with(client, codes[3]).status_code == 302
    assert client.get("/api/v1/session").status_code == 200
    other = app.test_client()
    password_step(other)
    assert second_step_with(other, codes[3]).status_code == 401
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).filter_by(action="mfa.recovery_used")).scalar_one()


@pytest.mark.parametrize("how", ["built-in role", "custom role"])
def test_a_required_user_enrols_right_after_the_password_and_before_anything_else(tmp_path: Path, how: str) -> None:
    app = make(tmp_path, MFA_REQUIRED_FOR=["User"] if how == "built-in role" else [])
    if how == "custom role":
        with app.app_context():
            user = db.session.execute(db.select(User).filter_by(email=USER_EMAIL)).scalar_one()
            user.role = Role(name="ops", permissions=["query_tool.use"], require_mfa=True)
            db.session.commit()
    client = app.test_client()
    assert password_step(client, next_url="/servers").headers["Location"].endswith("/login/mfa")
    assert client.get("/login/mfa").headers["Location"].endswith("/login/mfa/enrol")
    for path in HALF_LOGIN_PROBES:
        assert client.get(path).status_code == 401, path
    page = client.get("/login/mfa/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = SECRET_ON_PAGE.search(page)
    assert secret, page
    assert SECRET_ON_PAGE.search(client.get("/login/mfa/enrol").get_data(as_text=True)).group(1) == secret.group(1)
    csrf = form_csrf(client, "/login/mfa/enrol")
    wrong = client.post("/login/mfa/enrol", data={"code": "000000", "csrf_token": csrf})
    assert wrong.status_code == 400 and client.get("/api/v1/session").status_code == 401
    done = client.post("/login/mfa/enrol", data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf})
    assert done.status_code == 200
    codes = CODES_ON_PAGE.search(done.get_data(as_text=True))
    assert codes and len(codes.group(1).split()) == 10
    assert 'href="/servers"' in done.get_data(as_text=True)
    assert client.get("/api/v1/session").status_code == 200
    assert in_app(app, lambda user, _: mfa.is_enabled(user))
    # the admin, not required, logs in with the password alone
    assert password_step(app.test_client(), ADMIN_EMAIL, ADMIN_PASSWORD).headers["Location"] == "/"


def test_another_half_login_cannot_confirm_an_enrolment_it_did_not_show(tmp_path: Path) -> None:
    app = make(tmp_path, MFA_REQUIRED_FOR=["User"])
    first, second = app.test_client(), app.test_client()
    password_step(first)
    page = first.get("/login/mfa/enrol").get_data(as_text=True)
    secret, csrf = SECRET_ON_PAGE.search(page).group(1), CSRF_INPUT.search(page).group(1)
    password_step(second)
    replaced = first.post("/login/mfa/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf})
    assert replaced.status_code == 409 and "restarted in another browser" in replaced.get_data(as_text=True)
    assert first.get("/api/v1/session").status_code == 401 and not in_app(app, lambda u, _: mfa.is_enabled(u))
    assert first.get("/login/mfa/enrol").status_code == 409  # no QR code: a button starts again (a POST)
    assert first.post("/login/mfa/enrol/restart", data={"csrf_token": csrf}).status_code == 302
    secret = SECRET_ON_PAGE.search(first.get("/login/mfa/enrol").get_data(as_text=True)).group(1)
    assert first.post("/login/mfa/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf}
                      ).status_code == 200
    assert first.get("/api/v1/session").status_code == 200


# --- The Account page and the administrator's reset -------------------------------------------------------------

def account_post(client: ApiClient, path: str, code: str = "") -> Any:
    return client.client.post(path, data={"code": code, "csrf_token": form_csrf(client.client, "/account")})


def test_account_page_enrols_regenerates_and_disables_with_a_code(app: Flask) -> None:
    client, elsewhere = api_client(app, USER_EMAIL, USER_PASSWORD), api_client(app, USER_EMAIL, USER_PASSWORD)
    assert 'data-enabled="false"' in client.get("/account").get_data(as_text=True)
    assert client.client.post("/account/mfa/enrol").status_code == 400  # CSRF
    assert account_post(client, "/account/mfa/enrol").status_code == 302
    secret = SECRET_ON_PAGE.search(client.get("/account").get_data(as_text=True)).group(1)
    totp = pyotp.TOTP(secret)
    assert account_post(client, "/account/mfa/confirm", "000000").status_code == 400
    done = account_post(client, "/account/mfa/confirm", totp.at(time.time() - 30))
    first_codes = CODES_ON_PAGE.search(done.get_data(as_text=True)).group(1).split()
    assert elsewhere.get("/api/v1/session").status_code == 401  # a login with the password alone ended
    assert client.get("/api/v1/session").status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert 'data-enabled="true"' in page and "10 unused" in page and first_codes[0] not in page  # shown once
    assert account_post(client, "/account/mfa/recovery-codes", "000000").status_code == 400
    again = account_post(client, "/account/mfa/recovery-codes", totp.now())
    assert again.status_code == 200 and CODES_ON_PAGE.search(again.get_data(as_text=True))
    assert check(app, first_codes[0]) is None
    assert account_post(client, "/account/mfa/disable", "000000").status_code == 400
    assert in_app(app, lambda user, _: mfa.is_enabled(user))
    assert account_post(client, "/account/mfa/disable", totp.at(time.time() + 30)).status_code == 302
    assert not in_app(app, lambda user, _: mfa.is_enabled(user))
    with app.app_context():
        actions = {e.action for e in db.session.execute(db.select(AuditEvent)).scalars()}
    assert {"mfa.enrol", "mfa.disable", "mfa.recovery_regenerate", "mfa.verify"} <= actions


def test_a_required_user_cannot_turn_it_off(tmp_path: Path) -> None:
    app = make(tmp_path, MFA_REQUIRED_FOR=["Administrator"])
    totp, _ = enrol(app, ADMIN_EMAIL)
    client = app.test_client()
    password_step(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    second_step_with(client, totp.now())
    response = client.post("/account/mfa/disable", data={"code": totp.at(time.time() + 30),
                                                         "csrf_token": form_csrf(client, "/account")})
    assert response.status_code == 409 and in_app(app, lambda user, _: mfa.is_enabled(user), ADMIN_EMAIL)


def test_an_administrator_resets_a_users_totp_and_their_sessions_end(app: Flask) -> None:
    totp, _ = enrol(app)
    user = app.test_client()
    password_step(user)
    second_step_with(user, totp.now())
    assert user.get("/api/v1/session").status_code == 200
    user_id = in_app(app, lambda u, _: u.id)
    admin = api_client(app, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert admin.client.post(f"/api/v1/users/{user_id}/mfa/reset").status_code == 400  # no CSRF token
    response = admin.post(f"/api/v1/users/{user_id}/mfa/reset")
    assert response.status_code == 200 and response.get_json()["has_totp"] is False
    assert user.get("/api/v1/session").status_code == 401
    assert password_step(app.test_client()).headers["Location"] == "/"  # the password alone again
    assert admin.post("/api/v1/users/999999/mfa/reset").status_code == 404
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="mfa.reset")).scalar_one()
        assert event.target == f"user:{user_id}" and event.actor_email == ADMIN_EMAIL


def test_only_user_managers_may_reset(app: Flask) -> None:
    enrol(app, ADMIN_EMAIL)
    user = api_client(app, USER_EMAIL, USER_PASSWORD)
    admin_id = in_app(app, lambda u, _: u.id, ADMIN_EMAIL)
    assert user.post(f"/api/v1/users/{admin_id}/mfa/reset").status_code == 403
    assert in_app(app, lambda u, _: mfa.is_enabled(u), ADMIN_EMAIL)
    assert app.test_client().post(f"/api/v1/users/{admin_id}/mfa/reset").status_code in (400, 401)


# --- complete_login: the gate every source goes through ------------------------------------------------------

def test_a_source_that_checked_a_second_factor_itself_logs_in_at_once(app: Flask) -> None:
    """An OpenID provider trusted for MFA passes is_mfa_done=True; any other source stops at the second step."""
    from flask_login import current_user

    from pgadmin_lite.auth.login_flow import complete_login

    enrol(app)
    with app.test_request_context("/login", method="POST"):
        user = db.session.execute(db.select(User).filter_by(email=USER_EMAIL)).scalar_one()
        with pytest.raises(second_step.SecondFactorRequired):
            complete_login(user, method="ldap")
        assert not current_user.is_authenticated
        complete_login(user, method="oidc:test", is_mfa_done=True)
        assert current_user.is_authenticated and current_user.email == USER_EMAIL


# --- The JSON API of one's own two-factor authentication ------------------------------------------------------

def test_the_api_enrols_renews_codes_and_turns_off_with_codes(app: Flask) -> None:
    client = api_client(app, USER_EMAIL, USER_PASSWORD)
    assert client.get("/api/v1/account/mfa").get_json() == {"enabled": False, "required": False,
                                                             "recovery_codes_left": 0, "enrolment": None}
    assert client.client.post("/api/v1/account/mfa/enrolment").status_code == 400  # no CSRF token
    started = client.post("/api/v1/account/mfa/enrolment")
    assert started.status_code == 201 and started.get_json()["qr_svg"].startswith("<svg")
    totp = pyotp.TOTP(started.get_json()["secret"])
    assert client.get("/api/v1/account/mfa").get_json()["enrolment"]["secret"] == totp.secret
    assert client.post("/api/v1/account/mfa/confirm", json={"code": 123456}).status_code == 400
    wrong = client.post("/api/v1/account/mfa/confirm", json={"code": "000000"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "mfa_code_invalid"
    codes = client.post("/api/v1/account/mfa/confirm", json={"code": totp.at(time.time() - 30)}).get_json()
    assert len(codes["recovery_codes"]) == 10
    assert client.post("/api/v1/account/mfa/enrolment").status_code == 409  # on already
    renewed = client.post("/api/v1/account/mfa/recovery-codes", json={"code": codes["recovery_codes"][0]})
    assert renewed.status_code == 200 and check(app, codes["recovery_codes"][1]) is None
    assert client.post("/api/v1/account/mfa/disable", json={"code": "000000"}).status_code == 400
    off = client.post("/api/v1/account/mfa/disable", json={"code": totp.now()})
    assert off.status_code == 200 and off.get_json()["enabled"] is False
    assert client.post("/api/v1/account/mfa/disable", json={"code": totp.now()}).status_code == 409


def test_codes_sent_while_it_is_off_are_not_counted(app: Flask) -> None:
    client = api_client(app, USER_EMAIL, USER_PASSWORD)
    for _ in range(MAX_ATTEMPTS + 1):
        assert client.post("/api/v1/account/mfa/recovery-codes", json={"code": "000000"}).status_code == 409
    assert password_step(app.test_client()).status_code == 302  # not locked out
