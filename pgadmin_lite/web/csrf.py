"""CSRF protection for every state-changing request: a signed per-session secret, checked before any view runs.

The tokens and rules of Flask-WTF's CSRFProtect, which this replaces (it loaded wtforms, its forms and reCAPTCHA
for the one check): the session keeps a random secret, pages and GET /api/v1/session hand it out signed with
SECRET_KEY (same salt, so tokens issued before stay valid), and every POST, PUT, PATCH and DELETE must send the
signed form back in the `csrf_token` form field or the X-CSRFToken header, else a 400; over https the referrer
must be this host. Tokens carry no time limit (a token lives as long as its login session), so a signature,
once verified, always verifies: each is checked once per process, not on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

from flask import Flask, current_app, g, request, session
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import BadRequest

FIELD = "csrf_token"  # the session key, the form field and the name in g
HEADERS = ("X-CSRFToken", "X-CSRF-Token")
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SALT = "wtf-csrf-token"  # Flask-WTF's: the tokens of sessions from before the switch keep working
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
VERIFIED_MAX = 4096  # signatures remembered as verified (forgotten all at once when full)
View = TypeVar("View", bound=Callable[..., Any])


class CSRFError(BadRequest):
    """A state change without the session's token (the error handlers answer 400 csrf_failed)."""

    description = "CSRF validation failed."


class _Verified:
    """Signed token → the secret it carries, for signatures already checked under this SECRET_KEY."""

    def __init__(self, secret_key: str | bytes) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def sign(self, secret: str) -> str:
        return self.serializer.dumps(secret)

    def secret_of(self, token: str) -> str:
        """The secret in a token whose signature is valid; CSRFError otherwise (never remembered)."""
        known = self._secrets.get(token)
        if known is not None:
            return known
        try:
            secret = self.serializer.loads(token)
        except BadData:
            raise CSRFError("The CSRF token is invalid.") from None
        if not isinstance(secret, str):
            raise CSRFError("The CSRF token is invalid.")
        with self._lock:
            if len(self._secrets) >= VERIFIED_MAX:
                self._secrets.clear()
            self._secrets[token] = secret
        return secret


def _verified() -> _Verified:
    verified: _Verified = current_app.extensions["csrf_verified"]
    return verified


def generate_csrf() -> str:
    """The signed token of this session (one per request; the session's secret is made on first use)."""
    token = g.get(FIELD)
    if token is None:
        if not isinstance(session.get(FIELD), str):
            session[FIELD] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - random bytes, not a digest
        token = _verified().sign(session[FIELD])
        setattr(g, FIELD, token)
    return token


def validate_csrf(token: str | None) -> None:
    """CSRFError unless `token` is this session's, validly signed."""
    if not token:
        raise CSRFError("The CSRF token is missing.")
    expected = session.get(FIELD)
    if not isinstance(expected, str):
        raise CSRFError("The CSRF session token is missing.")
    if not hmac.compare_digest(expected, _verified().secret_of(token)):
        raise CSRFError("The CSRF tokens do not match.")


def header_token() -> str | None:
    return next((request.headers[name] for name in HEADERS if request.headers.get(name)), None)


def check_referrer() -> None:
    """Over https a state change must come from a page of this host (as Flask-WTF's SSL_STRICT)."""
    if not request.is_secure:
        return
    if not request.referrer:
        raise CSRFError("The referrer header is missing.")
    if not same_origin(request.referrer, f"https://{request.host}/"):
        raise CSRFError("The referrer does not match the host.")


def same_origin(current_uri: str, compare_uri: str) -> bool:
    current, compare = urlparse(current_uri), urlparse(compare_uri)
    return (current.scheme == compare.scheme and current.hostname == compare.hostname
            and current.port == compare.port)


class CSRFProtect:
    """Checks every state-changing request to a known endpoint, except views marked with `exempt`."""

    def __init__(self) -> None:
        self._exempt_views: set[str] = set()

    def init_app(self, app: Flask) -> None:
        app.extensions["csrf_verified"] = _Verified(app.secret_key or "")
        app.jinja_env.globals["csrf_token"] = generate_csrf
        app.before_request(self.protect)

    def protect(self) -> None:
        if request.method not in METHODS or not request.endpoint:
            return
        view = current_app.view_functions.get(request.endpoint)
        if view is not None and f"{view.__module__}.{view.__name__}" in self._exempt_views:
            return
        token = request.form.get(FIELD) if request.mimetype in FORM_TYPES else None
        validate_csrf(token or header_token())
        check_referrer()

    def exempt(self, view: View) -> View:
        """For a view that checks the header itself, before it reads the body (the streamed upload)."""
        self._exempt_views.add(f"{view.__module__}.{view.__name__}")
        return view
