"""A cancel lands only on the user's statements: never on a statement of ours (a COMMIT of our hidden transaction
here), which it would fail, losing the user's changes or aborting their transaction (issue 14).

Deterministic: our COMMIT is held on an advisory lock this test owns (a deferred trigger takes it), so the
cancel is asked exactly while it runs; no sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.plugins.query_tool_helpers import QueryTool, open_tool, register_server
from tests.plugins.waiting import wait_until

LOCK = 4242
SETUP = f"""
create table charges (n int);
create function charge(n int) returns int language sql as 'insert into charges values (n) returning n';
create function wait_for_the_test() returns trigger language plpgsql as
  $$ begin perform pg_advisory_xact_lock({LOCK}); return null; end $$;
create constraint trigger at_commit after insert on charges deferrable initially deferred
  for each row execute function wait_for_the_test();
create function charge_slowly(n int) returns int language plpgsql as
  $$ begin if n = 2000 then perform pg_advisory_xact_lock({LOCK}); end if; return charge(n); end $$;
"""


@pytest.fixture
def tool(admin_client: Any, pg_server: Any, pg_database: str) -> QueryTool:
    tool = open_tool(admin_client, register_server(admin_client, pg_server, pg_database), pg_database)
    assert tool.run(SETUP)["error"] is None
    return tool


@pytest.fixture
def ours(pg_server: Any, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_server.conninfo(pg_database), autocommit=True) as conn:
        yield conn


def waiting_in(tool: QueryTool, ours: psycopg.Connection[Any], query: str) -> None:
    """Until the tool's backend waits for our advisory lock in `query` (a statement of the engine's)."""
    pid = tool.client.get(tool.base).get_json()["backend_pid"]

    def seen() -> Any:
        return ours.execute("select query from pg_stat_activity where pid = %s and wait_event = 'advisory'",
                            (pid,)).fetchone()
    found = wait_until(seen, f"the query tool's backend never waited for the lock in {query}")
    assert found[0].startswith(query), found


def test_a_cancel_during_our_commit_neither_fails_it_nor_loses_the_change(tool: QueryTool, ours: Any) -> None:
    ours.execute("select pg_advisory_lock(%s)", (LOCK,))
    assert tool.execute("select charge(7)", wait_ms=0).status_code == 202
    waiting_in(tool, ours, "COMMIT")  # the SELECT has run; our COMMIT of its hidden transaction waits
    assert tool.cancel().get_json() == {"cancelled": True}
    ours.execute("select pg_advisory_unlock(%s)", (LOCK,))
    response = tool.result(wait_ms=10000)
    assert response.status_code == 200
    result = response.get_json()
    assert result["error"] is None and result["rows"] == [[7]] and result["fates"] == ["committed"]
    assert ours.execute("select array_agg(n) from charges").fetchone()[0] == [7]
    assert tool.run("select 2")["rows"] == [[2]]


def test_a_cancel_while_a_writing_query_runs_to_its_end_stops_it_and_keeps_nothing(tool: QueryTool,
                                                                                   ours: Any) -> None:
    """Past the first page a query that wrote is run to its end (its rest spooled): still the user's statement."""
    ours.execute("select pg_advisory_lock(%s)", (LOCK,))
    assert tool.execute("select charge_slowly(g) from generate_series(1, 3000) g", wait_ms=0).status_code == 202
    waiting_in(tool, ours, "FETCH")
    assert tool.cancel().get_json() == {"cancelled": True}
    ours.execute("select pg_advisory_unlock(%s)", (LOCK,))
    result = tool.result(wait_ms=10000).get_json()
    error = result["error"]
    assert (error["sqlstate"], error["cancelled"], error["statement_index"]) == ("57014", True, 0), error
    assert result["rows"] == [] and result["fates"] == ["aborted"] and result["transaction_status"] == "idle"
    assert ours.execute("select count(*) from charges").fetchone()[0] == 0  # rolled back: nothing half-done
    assert tool.run("select 2")["rows"] == [[2]]
