"""The OpenAPI document covers every API route, with the schemas clients rely on."""

from __future__ import annotations

import re
from typing import Any


def test_every_api_route_is_documented(app: Any, admin_client: Any) -> None:
    spec = admin_client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1") and spec["info"]["version"] == app.config["VERSION"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)[len("/api/v1"):]  # <int(max=…):pid> too
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path][method.lower()]
            assert operation["summary"] and operation["responses"]
            if method != "GET":
                assert any(p["name"] == "X-CSRFToken" for p in operation["parameters"])


def test_key_schemas_are_described(admin_client: Any) -> None:
    paths = admin_client.get("/api/v1/openapi.json").get_json()["paths"]
    execute = paths["/query-tool/{tx_id}/execute"]["post"]
    assert execute["requestBody"]["content"]["application/json"]["schema"]["required"] == ["sql"]
    result = execute["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"columns", "rows", "has_more", "transaction_status", "error"} <= set(result["properties"])
    assert "201" in paths["/query-tool"]["post"]["responses"]
    assert "204" in paths["/users/{user_id}"]["delete"]["responses"]


def test_openapi_needs_a_login(anon_client: Any) -> None:
    assert anon_client.get("/api/v1/openapi.json").status_code == 401


def test_path_ids_are_typed_and_query_parameters_and_bodies_are_described(admin_client: Any) -> None:
    """What a client (and the schemathesis run of tests/security) needs to build valid requests."""
    paths = admin_client.get("/api/v1/openapi.json").get_json()["paths"]
    rows = {p["name"]: p for p in paths["/servers/{server_id}/rows"]["get"]["parameters"]}
    assert rows["server_id"]["in"] == "path" and rows["server_id"]["schema"]["type"] == "integer"
    assert rows["name"]["in"] == "query" and rows["name"]["required"]
    assert {"limit", "offset", "sort", "dir", "filter", "op", "value"} <= set(rows)
    assert {p["name"] for p in paths["/storage"]["get"]["parameters"]} >= {"root", "path", "hidden"}
    assert paths["/drafts/{key}"]["put"]["parameters"][0]["schema"]["type"] == "string"
    for path, method in [("/storage/mkdir", "post"), ("/storage/text", "put"), ("/drafts/{key}", "put"),
                         ("/servers/{server_id}/credentials", "put"), ("/account/password", "post")]:
        assert paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["properties"]
