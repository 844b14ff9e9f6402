"""Flask session interface: anonymous data in a signed cookie, logged-in sessions server-side."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from pgadmin_lite.auth.identity import Identity
from pgadmin_lite.auth.session_store import SessionStore

SERVER_PREFIX = "s."
USER_KEY = "_user_id"
TOUCH_EVERY_S = 15.0
# Sent by requests a page makes on its own (a query tool renewing its lease): not the user's activity, so they
# never hold a login open past USER_INACTIVITY_TIMEOUT.
BACKGROUND_HEADER = "X-Background-Request"


class ConsoleSession(CallbackDict[str, Any], SessionMixin):
    """Session data plus where it lives; `rotate` asks for a fresh id at the next save."""

    def __init__(self, initial: dict[str, Any] | None = None, token: str | None = None,
                 *, expired: bool = False, identity: Identity | None = None) -> None:
        def on_update(_: CallbackDict[str, Any]) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.expired = expired
        self.identity = identity  # read with the row; the login manager's user loader returns it
        self.rotate = False
        self.modified = False
        self.accessed = False


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """No row is written for anonymous or health requests; a login always mints a new id."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> ConsoleSession:
        raw = request.cookies.get(self.get_cookie_name(app), "")
        if raw.startswith(SERVER_PREFIX):
            return self._open_server(app, raw[len(SERVER_PREFIX):], is_background=BACKGROUND_HEADER in request.headers)
        signer = self.get_signing_serializer(app)
        if raw and signer is not None:
            try:
                data = signer.loads(raw, max_age=int(app.permanent_session_lifetime.total_seconds()))
                return ConsoleSession(dict(data))
            except Exception:  # a bad or old signature is simply a new anonymous session
                return ConsoleSession()
        return ConsoleSession()

    def _open_server(self, app: Flask, token: str, *, is_background: bool = False) -> ConsoleSession:
        stored = self.store.load(token)
        now = time.time()
        if stored is None:
            return ConsoleSession(expired=True)
        idle_limit = app.config["USER_INACTIVITY_TIMEOUT"]
        if now > stored.expires or (idle_limit and now - stored.last_seen > idle_limit):
            self.store.delete(token)
            return ConsoleSession(expired=True)
        if now - stored.last_seen > TOUCH_EVERY_S and not is_background:
            self.store.touch(token)
        return ConsoleSession(stored.data, token, identity=stored.identity)

    def get_cookie_path(self, app: Flask) -> str:
        return (request.script_root or "") + "/"

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ConsoleSession)
        if session.accessed:
            response.vary.add("Cookie")
        data = dict(session)
        if USER_KEY in data:
            self._save_server(app, session, data, response)
            return
        if session.token:
            self.store.delete(session.token)
        if not data:
            if session.token or session.modified or session.expired:
                self._clear_cookie(app, response)
            return
        if session.modified:
            signer = self.get_signing_serializer(app)
            assert signer is not None
            self._set_cookie(app, response, signer.dumps(data))

    def _save_server(self, app: Flask, session: ConsoleSession, data: dict[str, Any],
                     response: Response) -> None:
        if session.token is None or session.rotate:
            if session.token:
                self.store.delete(session.token)
            lifetime = app.config["SESSION_EXPIRATION_TIME"] * 86400
            session.token = self.store.create(int(data[USER_KEY]), data, lifetime)
            self._set_cookie(app, response, SERVER_PREFIX + session.token)
        elif session.modified:
            self.store.save(session.token, data)

    def _set_cookie(self, app: Flask, response: Response, value: str) -> None:
        response.set_cookie(self.get_cookie_name(app), value, path=self.get_cookie_path(app),
                            httponly=True, samesite="Lax", secure=request.is_secure)

    def _clear_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), path=self.get_cookie_path(app),
                               httponly=True, samesite="Lax", secure=request.is_secure)
