"""A result outside the user's transaction lets its snapshot and locks go soon after the paging stops."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.plugins.app_fixtures import ADMIN_EMAIL, ADMIN_PASSWORD, api_client
from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server
from tests.plugins.waiting import wait_until


def hold_tool(make_app: Any, pg_server: Any, pg_database: str, **settings: Any) -> QueryTool:
    client = api_client(make_app(RESULT_HOLD_SECONDS=1, **settings), ADMIN_EMAIL, ADMIN_PASSWORD)
    return open_tool(client, register_server(client, pg_server, pg_database), pg_database)


def wait_for_holds(tool: QueryTool, expected: str) -> None:
    def holds() -> str:
        return str(tool.client.get(tool.base).get_json()["holds"])
    wait_until(lambda: holds() == expected, lambda: f"the connection still holds {holds()!r}")


def read_all(tool: QueryTool) -> tuple[list[int], dict[str, Any]]:
    rows: list[int] = []
    while True:
        page = tool.fetch(1000).get_json()
        rows += [row[0] for row in page["rows"]]
        if not page["has_more"]:
            return rows, page


def test_an_unread_result_is_spooled_and_its_locks_let_go(make_app: Any, pg_server: Any, pg_database: str) -> None:
    tool = hold_tool(make_app, pg_server, pg_database)
    tool.run("create table big as select g from generate_series(1, 5000) g")
    first = tool.run("select g from big order by g")
    assert first["has_more"] and first["transaction_status"] == "idle"
    assert tool.client.get(tool.base).get_json()["holds"] == "snapshot"
    wait_for_holds(tool, "nothing")
    pid = tool.client.get(tool.base).get_json()["backend_pid"]
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as other:
        assert other.execute("select state from pg_stat_activity where pid = %s", (pid,)).fetchone()[0] == "idle"
        other.execute("set lock_timeout = '5s'")
        other.execute("alter table big add column note text")  # not held up behind the query tool
    rest, last = read_all(tool)
    assert [row[0] for row in first["rows"]] + rest == list(range(1, 5001))
    assert last["released"] is True and last["rest_let_go"] is False


def test_past_the_spool_bound_the_rest_is_let_go(make_app: Any, pg_server: Any, pg_database: str) -> None:
    tool = hold_tool(make_app, pg_server, pg_database, RESULT_SPOOL_MAX_MB=0)
    first = tool.run("select g from generate_series(1, 50000) g")
    assert first["has_more"]
    wait_for_holds(tool, "nothing")
    rest, last = read_all(tool)
    assert len(first["rows"]) + len(rest) < 50000 and last["rest_let_go"] is True
    assert tool.run("select 1")["rows"] == [[1]]


def test_the_users_transaction_is_what_the_badge_shows(make_app: Any, pg_server: Any, pg_database: str) -> None:
    tool = hold_tool(make_app, pg_server, pg_database)
    assert tool.run("begin; select g from generate_series(1, 5000) g")["has_more"]
    assert tool.client.get(tool.base).get_json()["holds"] == "transaction"
    tool.run("rollback")
    assert tool.client.get(tool.base).get_json()["holds"] == "nothing"


def test_the_answer_says_what_is_held_without_waiting_for_our_commit(make_app: Any, pg_server: Any,
                                                                    pg_database: str) -> None:
    """holds in an execute's answer is read without the session lock; it says what the badge then says."""
    tool = hold_tool(make_app, pg_server, pg_database)
    spent = tool.run("select 1")
    assert spent["holds"] == "nothing" and spent["transaction_status"] == "idle"
    wait_for_holds(tool, "nothing")
    paged = tool.run("select g from generate_series(1, 5000) g")
    assert paged["has_more"] and paged["holds"] == "snapshot"
    tool.run("select 1")
    in_tx = tool.run("begin; select 1")
    assert in_tx["holds"] == "transaction" and tool.client.get(tool.base).get_json()["holds"] == "transaction"
    failed = tool.run("select 1/0")
    assert failed["holds"] == "transaction" and failed["transaction_status"] == "in_error"
    assert tool.run("rollback")["holds"] == "nothing"
