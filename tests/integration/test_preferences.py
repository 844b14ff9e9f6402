"""Preferences: GET/PUT api/v1/preferences (strict, CSRF), applied to every page and to new query tools."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.plugins.app_fixtures import ApiClient
from tests.plugins.query_tool_helpers import open_tool, register_server

API = "/api/v1/preferences"
DEFAULTS = {"theme": "system", "editor_font_size": 13,
            "default_modes": {"autocommit": None, "auto_rollback": None, "single_transaction": None},
            "result_preview_rows": None, "shortcuts": {},
            "explain_options": {"analyze": False, "verbose": False, "costs": True, "settings": False,
                                "buffers": False, "wal": False, "timing": True, "summary": True}}


def test_defaults_then_a_partial_put_keeps_the_other_keys(admin_client: ApiClient) -> None:
    assert admin_client.get(API).get_json() == DEFAULTS
    saved = admin_client.put(API, json={"theme": "dark", "default_modes": {"autocommit": False}})
    assert saved.status_code == 200, saved.get_json()
    expected = {**DEFAULTS, "theme": "dark", "default_modes": {**DEFAULTS["default_modes"], "autocommit": False}}
    assert saved.get_json() == expected == admin_client.get(API).get_json()
    again = admin_client.put(API, json={"editor_font_size": 18, "default_modes": {"single_transaction": True}})
    assert again.get_json()["default_modes"] == {"autocommit": False, "auto_rollback": None,
                                                 "single_transaction": True}
    assert again.get_json()["theme"] == "dark"


@pytest.mark.parametrize("body", [
    {"colour": "red"}, {"theme": "blue"}, {"theme": None}, {"editor_font_size": 9}, {"editor_font_size": 25},
    {"editor_font_size": "14"}, {"editor_font_size": True}, {"editor_font_size": 14.0},
    {"default_modes": {"autocommit": "on"}}, {"default_modes": {"read_only": True}}, {"default_modes": []},
    {"result_preview_rows": 0}, {"result_preview_rows": 101}, {"result_preview_rows": "5"},
    {"theme": "dark", "unknown": 1},
    {"shortcuts": []}, {"shortcuts": {"teleport": ["F2"]}}, {"shortcuts": {"execute": "F5"}},
    {"shortcuts": {"execute": ["x"]}}, {"shortcuts": {"execute": ["Shift-x"]}}, {"shortcuts": {"execute": ["Hyper-x"]}},
    {"shortcuts": {"execute": ["Mod-Mod-x"]}}, {"shortcuts": {"execute": ["Mod-Ünter"]}},
    {"shortcuts": {"execute": ["F1", "F2", "F3", "F4"]}},
    {"shortcuts": {"format": ["F5"]}},  # execute's default
    {"shortcuts": {"format": ["Ctrl-s"]}},  # Mod-s saves: Mod is Ctrl here
    {"shortcuts": {"format": ["Alt-q"], "find": ["alt-Q"]}},
    {"explain_options": {"format": True}}, {"explain_options": {"wal": None}}, {"explain_options": []},
])
def test_bad_preferences_are_refused_and_nothing_is_saved(admin_client: ApiClient, body: dict[str, Any]) -> None:
    refused = admin_client.put(API, json=body)
    assert refused.status_code == 400, refused.get_json()
    assert refused.get_json()["error"]["code"] == "bad_request"
    assert admin_client.get(API).get_json() == DEFAULTS


def test_shortcuts_are_normalized_merged_and_reset(admin_client: ApiClient) -> None:
    saved = admin_client.put(API, json={"shortcuts": {"execute_statement": ["shift-ctrl-R", "F9"]}})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["shortcuts"] == {"execute_statement": ["Ctrl-Shift-r", "F9"]}
    swapped = admin_client.put(API, json={"shortcuts": {"execute": ["F9"], "execute_statement": ["F5"]}})
    assert swapped.status_code == 200, swapped.get_json()  # judged on the result, not one key at a time
    reset = admin_client.put(API, json={"shortcuts": {"execute": None, "execute_statement": None}})
    assert reset.get_json()["shortcuts"] == {}


def test_a_duplicate_shortcut_names_the_action_that_has_it(admin_client: ApiClient) -> None:
    admin_client.put(API, json={"shortcuts": {"format": ["Alt-q"]}})
    refused = admin_client.put(API, json={"shortcuts": {"find": ["Alt-Q"]}})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert "Format SQL" in error["message"] and error["field"] == "shortcuts.find"
    assert admin_client.get(API).get_json()["shortcuts"] == {"format": ["Alt-q"]}


def test_explain_options_are_merged_option_by_option(admin_client: ApiClient) -> None:
    saved = admin_client.put(API, json={"explain_options": {"buffers": True, "costs": False}})
    assert saved.status_code == 200, saved.get_json()
    expected = {**DEFAULTS["explain_options"], "buffers": True, "costs": False}
    assert admin_client.put(API, json={"explain_options": {"analyze": True}}).get_json()["explain_options"] == {
        **expected, "analyze": True} == admin_client.get(API).get_json()["explain_options"]


def test_a_body_that_is_not_an_object_is_refused(admin_client: ApiClient) -> None:
    assert admin_client.put(API, json=["theme"]).status_code == 400


def test_put_needs_the_csrf_token(app: Flask, admin_client: ApiClient) -> None:
    refused = admin_client.client.put(API, json={"theme": "dark"})  # the raw client sends no X-CSRFToken
    assert refused.status_code == 400
    assert admin_client.get(API).get_json()["theme"] == "system"


def test_preferences_are_per_user(admin_client: ApiClient, user_client: ApiClient) -> None:
    assert admin_client.put(API, json={"theme": "light"}).status_code == 200
    assert user_client.get(API).get_json()["theme"] == "system"


def test_every_page_renders_the_theme_and_font_size(admin_client: ApiClient) -> None:
    admin_client.put(API, json={"theme": "dark", "editor_font_size": 16})
    for path in ("/", "/preferences", "/query-tool", "/jobs"):
        html = admin_client.get(path).get_data(as_text=True)
        assert '<html lang="en" data-theme="dark" data-editor-font-size="16">' in html, path
    page = admin_client.get("/preferences").get_data(as_text=True)
    assert 'id="nav-preferences"' in page and '<option value="dark" selected>' in page


def test_the_login_page_follows_the_system_theme(anon_client: Any) -> None:
    html = anon_client.get("/login").get_data(as_text=True)
    assert '<html lang="en" data-theme="system" data-editor-font-size="13">' in html
    assert 'id="theme-toggle"' not in html  # no switch (and no PUT) without a login


def test_a_new_query_tool_takes_the_preferred_modes_and_preview(admin_client: ApiClient, pg_server: Any,
                                                                pg_database: str) -> None:
    server_id = register_server(admin_client, pg_server, pg_database)
    admin_client.patch(f"/api/v1/servers/{server_id}", json={"query_modes": {"autocommit": True,
                                                                             "auto_rollback": True}})
    admin_client.put(API, json={"default_modes": {"autocommit": False}, "result_preview_rows": 3})
    tool = open_tool(admin_client, server_id, pg_database)
    modes = tool.client.get(tool.base).get_json()["modes"]
    assert modes == {"autocommit": False, "auto_rollback": True, "single_transaction": False}  # the user's wins
    result = tool.run("select g from generate_series(1, 10) g; set application_name = 'prefs'")
    assert result["error"] is None and result["rows"] == [[1], [2], [3]]  # the preview of the SELECT
    tool.run("rollback")
    admin_client.delete(tool.base)
    opened = admin_client.post("/api/v1/query-tool", json={"server_id": server_id, "database": pg_database,
                                                           "autocommit": True})
    assert opened.get_json()["modes"]["autocommit"] is True  # the tab's own choice wins over the preference
    admin_client.delete(f"/api/v1/query-tool/{opened.get_json()['tx_id']}")
