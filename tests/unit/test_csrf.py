"""CSRF (web/csrf.py): a remembered signature never lets a token pass for a session it does not belong to."""

from __future__ import annotations

from flask import Flask

from pgadmin_lite.web.csrf import CSRFError, CSRFProtect, generate_csrf


def _app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "k" * 40
    CSRFProtect().init_app(app)
    app.register_error_handler(CSRFError, lambda exc: (exc.description, 400))
    app.add_url_rule("/token", "token", generate_csrf)
    app.add_url_rule("/change", "change", lambda: "changed", methods=["POST"])
    return app


def test_a_token_passes_only_in_its_own_session_even_once_verified() -> None:
    app = _app()
    alice, mallory = app.test_client(), app.test_client()
    alices, mallorys = alice.get("/token").get_data(as_text=True), mallory.get("/token").get_data(as_text=True)
    for _ in range(2):  # the second round is answered from the remembered signatures
        assert alice.post("/change", headers={"X-CSRFToken": alices}).status_code == 200
        assert mallory.post("/change", headers={"X-CSRFToken": mallorys}).status_code == 200
        refused = mallory.post("/change", headers={"X-CSRFToken": alices})
        assert refused.status_code == 400 and "do not match" in refused.get_data(as_text=True)


def test_missing_forged_and_form_tokens() -> None:
    app = _app()
    client = app.test_client()
    token = client.get("/token").get_data(as_text=True)
    assert "missing" in client.post("/change").get_data(as_text=True)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert "invalid" in client.post("/change", headers={"X-CSRFToken": forged}).get_data(as_text=True)
    assert client.post("/change", data={"csrf_token": token}).status_code == 200
    assert app.test_client().post("/change", headers={"X-CSRFToken": token}).status_code == 400  # no session


def test_over_https_the_referrer_must_be_this_host() -> None:
    app = _app()
    client = app.test_client()
    token = client.get("/token", base_url="https://console.example").get_data(as_text=True)
    post = lambda **headers: client.post("/change", base_url="https://console.example",  # noqa: E731
                                         headers={"X-CSRFToken": token, **headers})
    assert "referrer header is missing" in post().get_data(as_text=True)
    assert "does not match" in post(Referer="https://evil.example/").get_data(as_text=True)
    assert post(Referer="https://console.example/query-tool").status_code == 200
