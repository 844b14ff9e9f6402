"""The workspace layout over the API: saved and read back in order, per user, strictly validated, login and CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.plugins.app_fixtures import ApiClient

URL = "/api/v1/workspace"
LAYOUT = {
    "tabs": [
        {"id": "tq1", "kind": "query_tool", "title": "app @ Local", "params": {"server_id": 1, "database": "app"}},
        {"id": "to2", "kind": "object", "title": "public.orders",
         "params": {"server_id": 1, "kind": "table", "db": "app", "schema": "public", "name": "orders",
                    "tab": "data", "data": "filter", "filter": "id > 10\nAND total > 0"}},
        {"id": "tf3", "kind": "files", "title": "Files", "params": {}},
    ],
    "active": "to2",
    "panel_width": 340,
}


def test_nothing_saved_yet_is_an_empty_layout(admin_client: ApiClient) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.get_json() == {"tabs": [], "active": None, "panel_width": None, "updated_at": None}


def test_put_then_get_keeps_order_and_active(admin_client: ApiClient) -> None:
    saved = admin_client.put(URL, json=LAYOUT)
    assert saved.status_code == 200, saved.get_json()
    got = admin_client.get(URL).get_json()
    assert got["updated_at"]
    assert {k: got[k] for k in ("tabs", "active", "panel_width")} == LAYOUT
    reordered = {**LAYOUT, "tabs": LAYOUT["tabs"][::-1][:2], "active": "tf3"}
    assert admin_client.put(URL, json=reordered).status_code == 200
    assert [t["id"] for t in admin_client.get(URL).get_json()["tabs"]] == ["tf3", "to2"]


def test_layouts_are_per_user(admin_client: ApiClient, user_client: ApiClient) -> None:
    assert admin_client.put(URL, json=LAYOUT).status_code == 200
    assert user_client.get(URL).get_json()["tabs"] == []
    mine = {"tabs": [{"id": "u1", "kind": "jobs", "title": "Jobs", "params": {}}], "active": "u1"}
    assert user_client.put(URL, json=mine).status_code == 200
    assert [t["id"] for t in admin_client.get(URL).get_json()["tabs"]] == ["tq1", "to2", "tf3"]
    assert [t["id"] for t in user_client.get(URL).get_json()["tabs"]] == ["u1"]


def tab(**fields: Any) -> dict[str, Any]:
    return {"id": "t1", "kind": "files", "title": "Files", "params": {}, **fields}


@pytest.mark.parametrize("body", [
    [],
    {"tabs": "no"},
    {"tabs": [tab()], "extra": 1},
    {"tabs": [tab(kind="shell")]},
    {"tabs": [tab(id="bad id")]},
    {"tabs": [tab(id="x" * 65)]},
    {"tabs": [tab(), tab()]},
    {"tabs": [tab()], "active": "nope"},
    {"tabs": [tab(title=7)]},
    {"tabs": [tab(title="x" * 201)]},
    {"tabs": [tab(title="a\tb")]},
    {"tabs": [tab(params={"Bad": "x"})]},
    {"tabs": [tab(params={"x": ["list"]})]},
    {"tabs": [tab(params={"x": True})]},
    {"tabs": [tab(params={"x": "y" * 1001})]},
    {"tabs": [tab(params={f"p{i}": "v" for i in range(17)})]},
    {"tabs": [tab(unknown="x")]},
    {"tabs": [tab(id=f"t{i}") for i in range(51)]},
    {"tabs": [], "panel_width": 20},
    {"tabs": [], "panel_width": "300"},
], ids=lambda body: str(body)[:60])
def test_bad_layouts_are_400_and_change_nothing(admin_client: ApiClient, body: Any) -> None:
    assert admin_client.put(URL, json=LAYOUT).status_code == 200
    response = admin_client.put(URL, json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == "bad_request"
    assert admin_client.get(URL).get_json()["tabs"] == LAYOUT["tabs"]


def test_an_oversized_body_is_413(admin_client: ApiClient) -> None:
    response = admin_client.put(URL, data="{" + " " * 200_000 + "}", content_type="application/json")
    assert response.status_code == 413


def test_login_and_csrf_are_required(anon_client: FlaskClient, admin_client: ApiClient) -> None:
    assert anon_client.get(URL).status_code == 401
    assert anon_client.put(URL, json=LAYOUT).status_code == 401
    no_token = admin_client.client.put(URL, json=LAYOUT)
    assert no_token.status_code == 400
    assert no_token.get_json()["error"]["code"] == "csrf_failed"
    assert admin_client.get(URL).get_json()["tabs"] == []


def test_home_is_the_workspace_and_pages_may_be_framed_by_it_only(admin_client: ApiClient) -> None:
    home = admin_client.get("/")
    assert home.status_code == 200 and 'id="ws-tree"' in home.get_data(as_text=True)
    assert home.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in home.headers["Content-Security-Policy"]
    embedded = admin_client.get("/servers?embed=1").get_data(as_text=True)
    assert 'id="server-groups"' in embedded and 'class="topbar"' not in embedded
    assert 'class="topbar"' in admin_client.get("/servers").get_data(as_text=True)
