"""The login lockout attacked through a live Gunicorn: parallel bursts, a stranger at the only administrator,
many addresses at one account (docs/security.md, "Login lockout").

The server trusts its loopback peer as the proxy, so each client gets its own address by X-Forwarded-For.
Each test attacks an account and addresses of its own, except the administrator test, whose point is that
account.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.plugins.http_session import HttpClient

MAX_ATTEMPTS = 5
MAX_ACCOUNT_ATTEMPTS = 15
LIVE_SERVER_SETTINGS = {"MAX_LOGIN_ATTEMPTS": MAX_ATTEMPTS, "MAX_ACCOUNT_LOGIN_ATTEMPTS": MAX_ACCOUNT_ATTEMPTS,
                        "TRUSTED_PROXIES": json.dumps(["127.0.0.1", "::1"])}
BURST = 30
GENERIC = "Incorrect email or password."
LOCKED = "Too many failed logins"
ClientFrom = Callable[[str], HttpClient]


def login_error(response: requests.Response) -> str:
    assert response.status_code == 401, (response.status_code, response.text[:300])
    match = re.search(r'id="login-error">([^<]*)<', response.text)
    assert match, response.text[:500]
    return html.unescape(match.group(1))


def is_locked(response: requests.Response) -> bool:
    return login_error(response).startswith(LOCKED)


def user_id(admin: HttpClient, email: str) -> int:
    return next(u["id"] for u in admin.get("/api/v1/users").json() if u["email"] == email)


class Burst:
    """Wrong passwords posted all at once (each client fetched its form first), and a count of answers."""

    def __init__(self, clients: list[HttpClient], email: str) -> None:
        self.clients, self.email = clients, email
        self.tokens = [client.login_token() for client in clients]
        self.start = threading.Barrier(len(clients))
        self.answered = threading.Condition()
        self.count = 0

    def guess(self, index: int) -> requests.Response:
        self.start.wait(timeout=30)
        try:
            return self.clients[index].post_login(self.email, f"wrong-guess-{index}", self.tokens[index])
        finally:
            with self.answered:
                self.count += 1
                self.answered.notify_all()

    def wait_for_answers(self, count: int) -> None:
        with self.answered:
            assert self.answered.wait_for(lambda: self.count >= count, timeout=120), self.count


def test_a_parallel_burst_checks_no_more_passwords_than_the_limit(
        make_user: Callable[[], tuple[str, str]], client_from: ClientFrom, admin_http: HttpClient) -> None:
    email, password = make_user()
    attacker = "10.20.0.1"
    client_from("10.20.0.99").login(email, password)  # the password is right: refusals below are the lockout
    burst = Burst([client_from(attacker) for _ in range(BURST)], email)
    probe = client_from(attacker)
    probe_token = probe.login_token()
    with ThreadPoolExecutor(BURST) as pool:
        futures = [pool.submit(burst.guess, i) for i in range(BURST)]
        # Once the limit's worth of guesses has been answered, the right password must be refused, though
        # most of the burst is still in flight.
        burst.wait_for_answers(MAX_ATTEMPTS)
        in_the_middle = probe.post_login(email, password, probe_token)
        answers = [future.result() for future in futures]
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    assert {a.status_code for a in answers} == {401}
    messages = [login_error(a) for a in answers]
    # The guesses counted 1 .. MAX-1 were checked and wrong; the MAX-th was checked and locks; no other was.
    assert messages.count(GENERIC) == MAX_ATTEMPTS - 1, messages
    assert sum(m.startswith(LOCKED) for m in messages) == BURST - (MAX_ATTEMPTS - 1), messages
    assert in_the_middle.status_code == 401 and is_locked(in_the_middle)
    after = client_from(attacker).post_login(email, password)
    assert after.status_code == 401 and is_locked(after)
    # An administrator's unlock lets the right password in again from that very address.
    assert admin_http.send("PATCH", f"/api/v1/users/{user_id(admin_http, email)}",
                           json={"unlock": True}).status_code == 200
    assert client_from(attacker).post_login(email, password).status_code == 302


def test_a_stranger_cannot_lock_the_only_administrator_out(client_from: ClientFrom) -> None:
    stranger = client_from("198.51.100.7")
    answers = [stranger.post_login(ADMIN_EMAIL, f"guess-{i}-password") for i in range(MAX_ATTEMPTS + 3)]
    assert [login_error(a) for a in answers[:MAX_ATTEMPTS - 1]] == [GENERIC] * (MAX_ATTEMPTS - 1)
    assert all(is_locked(a) for a in answers[MAX_ATTEMPTS - 1:])
    assert is_locked(stranger.post_login(ADMIN_EMAIL, ADMIN_PASSWORD))  # the stranger's address is locked out
    admin = client_from("192.0.2.10")  # the administrator's own address, never used before
    assert admin.post_login(ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
    assert admin.get("/api/v1/users").status_code == 200


def test_many_addresses_get_no_more_guesses_than_the_account_ceiling(
        make_user: Callable[[], tuple[str, str]], client_from: ClientFrom) -> None:
    email, password = make_user()
    client_from("192.0.2.50").login(email, password)  # the owner's usual address
    # Two guesses from each of 12 addresses, all at once: under each address's limit, over the account's.
    clients = [client_from(f"203.0.113.{1 + i // 2}") for i in range(24)]
    burst = Burst(clients, email)
    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(burst.guess, range(len(clients))))
    messages = [login_error(a) for a in answers]
    assert messages.count(GENERIC) == MAX_ACCOUNT_ATTEMPTS - 1, messages
    assert sum(m.startswith(LOCKED) for m in messages) == len(clients) - (MAX_ACCOUNT_ATTEMPTS - 1), messages
    assert is_locked(client_from("203.0.113.200").post_login(email, password))  # any new address is locked
    # The owner at the address they logged in from before is exempt from the ceiling (not from its own limit).
    assert client_from("192.0.2.50").post_login(email, password).status_code == 302
