"""What the bench measures on the app, only through its public HTTP API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.client import Client, HttpError, QueryTool
from bench.cluster import BENCH_DB, BIG_ROWS, BIG_SELECT
from bench.procs import PeakRss, rss_mib, settle
from bench.stats import Metric, metric, ms

if TYPE_CHECKING:
    from bench.floors import PsycopgPager  # the floors use this module's client loop

SELECT_ONE = "SELECT 1"
USER_PASSWORD = "bench-password-1"  # noqa: S105 - throwaway users on a loopback-only server


def user_email(index: int) -> str:
    return f"bench-user-{index:03d}@example.com"


@dataclass
class App:
    """The running app as the bench sees it: its URL, worker pid, the shared server and logged-in users."""

    url: str
    pid: int
    server_id: int
    users: list[Client]

    def tool(self, index: int = 0) -> QueryTool:
        return QueryTool(self.users[index], self.server_id, BENCH_DB)


def create_users(admin: Client, count: int) -> None:
    """Plain users through the admin API (one query tool per user keeps clear of the per-user cap)."""
    existing = {user["email"] for user in admin.get("/api/v1/users").json()}
    for index in range(count):
        if user_email(index) not in existing:
            admin.post("/api/v1/users", {"email": user_email(index), "password": USER_PASSWORD, "is_admin": False},
                       expect=(201,))


def register_server(admin: Client, host: str, port: int, user: str) -> int:
    """The bench PostgreSQL as a server shared with every user."""
    body = {"name": "bench", "host": host, "port": port, "username": user, "maintenance_db": BENCH_DB,
            "is_shared": True}
    return int(admin.post("/api/v1/servers", body, expect=(201,)).json()["id"])


def login_clients(url: str, count: int) -> list[Client]:
    clients = []
    for index in range(count):
        client = Client(url)
        client.login(user_email(index), USER_PASSWORD)
        clients.append(client)
    return clients


def login_round_trip(url: str, runs: int = 20) -> list[Metric]:
    """A browser's login: GET the form, POST it (302), GET /api/v1/session for the CSRF token."""
    posts, wholes = [], []
    for index in range(runs):
        client = Client(url)
        began = time.perf_counter()
        token = client.login_form()
        posted = time.perf_counter()
        client.submit_login(user_email(index % 10), USER_PASSWORD, token)
        posts.append(time.perf_counter() - posted)
        client.fetch_csrf()
        wholes.append(time.perf_counter() - began)
        client.close()
    return [metric("login_post", "login: POST /login round trip", "ms", ms(posts)),
            metric("login_flow", "login: GET form + POST + GET session", "ms", ms(wholes))]


def select_one_alternating(tool: QueryTool, floor_call: Callable[[], None], runs: int = 500,
                           block: int = 50) -> tuple[list[float], list[int], list[float]]:
    """SELECT 1 through execute (long-poll), one after another, in blocks that alternate with the floor's.

    Returns our latencies, the HTTP requests each query took, and the floor's latencies: both servers run
    at the same time, so a machine that slows down for a while slows both.
    """
    for _ in range(20):
        tool.run(SELECT_ONE)
    latencies, requests, floor_latencies = [], [], []
    while len(latencies) < runs:
        for _ in range(min(block, runs - len(latencies))):
            before = tool.client.requests
            began = time.perf_counter()
            body = tool.run(SELECT_ONE)
            latencies.append(time.perf_counter() - began)
            requests.append(tool.client.requests - before)
            if body["rows"] != [[1]]:
                raise HttpError(f"SELECT 1 returned {body['rows']!r}")
        for _ in range(block):
            began = time.perf_counter()
            floor_call()
            floor_latencies.append(time.perf_counter() - began)
    return latencies, requests, floor_latencies


def run_clients(workers: list[Callable[[], None]], seconds: float) -> tuple[list[float], int, float]:
    """Run each worker callable in a loop on its own thread for `seconds`: (latencies, errors, elapsed)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(len(workers) + 1)
    deadline = [0.0]

    def loop(work: Callable[[], None]) -> None:
        mine: list[float] = []
        start.wait()
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            try:
                work()
            except (HttpError, OSError):
                with lock:
                    errors[0] += 1
                continue
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(seconds + 60)
    return latencies, errors[0], time.perf_counter() - began


def concurrent_select_one(app: App, clients: int, seconds: float, reps: int) -> tuple[list[float], list[float]]:
    """`clients` users, each in its own query tool, running SELECT 1 flat out: (queries/s per rep, latencies)."""
    tools = [app.tool(index) for index in range(clients)]
    try:
        for tool in tools:
            tool.run(SELECT_ONE)
        rates, latencies = [], []
        for _ in range(reps):
            lat, errors, elapsed = run_clients([lambda t=tool: _check_one(t) for tool in tools], seconds)
            if errors:
                raise HttpError(f"{errors} failed SELECT 1 with {clients} clients")
            rates.append(len(lat) / elapsed)
            latencies.extend(lat)
        return rates, latencies
    finally:
        for tool in tools:
            tool.close()


def _check_one(tool: QueryTool) -> None:
    if tool.run(SELECT_ONE)["rows"] != [[1]]:
        raise HttpError("SELECT 1 returned something else")


def big_first_page(tool: QueryTool, runs: int) -> list[float]:
    """Time from POST execute of the 1,000,000-row SELECT to its first page in hand."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        body = tool.run(BIG_SELECT)
        times.append(time.perf_counter() - began)
        if not body["has_more"] or not body["rows"]:
            raise HttpError("the 1,000,000-row SELECT came back without a first page")
    return times


@dataclass
class PagingRun:
    """One repetition of the large result: timings (the app's and psycopg's beside it) and the server's memory."""

    first_page_s: float
    paging_s: float
    floor_s: float
    rows: int
    before_mib: float
    peak_mib: float
    after_close_mib: float


def big_paging(app: App, page_rows: int, floor: PsycopgPager, total_rows: int = 100_000) -> PagingRun:
    """Open a tool, SELECT the 1,000,000 rows, page through total_rows, close the tool; watch memory.

    psycopg alone reads the same pages in turns with the app, page for page, so the two sides of the ratio
    are measured within milliseconds of each other.
    """
    before = settle(app.pid, 0.5)
    with PeakRss(app.pid) as peak:
        tool = app.tool(0)
        began = time.perf_counter()
        body = tool.run(BIG_SELECT)
        first = paging = time.perf_counter() - began
        floor.start(page_rows)
        rows = len(body["rows"])
        pages = 0
        while rows < total_rows and pages < total_rows:
            want = min(page_rows, total_rows - rows)
            began = time.perf_counter()
            page = tool.fetch(want)
            paging += time.perf_counter() - began
            floor.page(want)
            rows += len(page["rows"])
            pages += 1
            if not page["has_more"]:
                break
        tool.close()
    after = settle(app.pid, 1.0)
    if rows != total_rows:
        raise HttpError(f"paged {rows} rows, expected {total_rows}")
    return PagingRun(first, paging, floor.finish(), rows, before, peak.peak_mib, after)


def csv_export(app: App) -> tuple[float, float, float, int]:
    """Stream export.csv of the 1,000,000 rows: (seconds, before MiB, peak MiB, data rows)."""
    tool = app.tool(0)
    try:
        tool.run(BIG_SELECT)
        before = settle(app.pid, 0.3)
        with PeakRss(app.pid) as peak:
            began = time.perf_counter()
            _, lines = tool.client.stream(f"{tool.base}/export.csv", method="POST")  # a POST since issue 13
            elapsed = time.perf_counter() - began
    finally:
        tool.close()
    if lines - 1 != BIG_ROWS:
        raise HttpError(f"export.csv had {lines - 1} data rows, expected {BIG_ROWS}")
    return elapsed, before, peak.peak_mib, lines - 1


def tree_paths(client: Client) -> list[str]:
    """Paths of the object-tree API as the app's OpenAPI document (built from its url_map) lists them."""
    document = client.get("/api/v1/openapi.json").json()
    prefix = ((document.get("servers") or [{}])[0].get("url") or "").rstrip("/")
    paths = [p if p.startswith("/api/") else prefix + p for p in document.get("paths", {})]
    return sorted(p for p in paths if "/servers/{" in p and p.endswith("/tree"))


def tree_listings(app: App, runs: int) -> tuple[list[Metric], str]:
    """List 2,000 and 5,000 tables (the first page of the tables node) and a table's columns."""
    client = app.users[0]
    paths = tree_paths(client)
    if not paths:
        base = f"/api/v1/servers/{app.server_id}/databases"
        times = _timed_gets(client, base, runs)
        return [metric("databases_list", "object browser: GET …/databases (tree API not present)", "ms",
                       ms(times))], "tree API not present: measured GET /api/v1/servers/<id>/databases instead"
    path = paths[0].replace("{server_id}", str(app.server_id))
    results, first_page = [], 0
    for key, label, query, total in (
        ("tree_2000", "object tree: list 2,000 tables (first page)", f"kind=tables&db={BENCH_DB}&schema=s2000", 2000),
        ("tree_5000", "object tree: list 5,000 tables (first page)", f"kind=tables&db={BENCH_DB}&schema=s5000", 5000),
        ("tree_columns", "object tree: expand a table's columns",
         f"kind=columns&db={BENCH_DB}&schema=bench&table=big", 4),
    ):
        body = client.get(f"{path}?{query}").json()
        if body.get("total") != total or not body.get("items"):
            raise HttpError(f"tree {query}: expected {total} in all, got {body.get('total')!r}")
        results.append(metric(key, label, "ms", ms(_timed_gets(client, f"{path}?{query}", runs)),
                              note=f"{len(body['items'])} items of {total}"))
        first_page = first_page or len(body["items"])
    return results, f"tree API: GET {paths[0]} (first page of a tables node: {first_page} items)"


def _timed_gets(client: Client, path: str, runs: int) -> list[float]:
    client.get(path)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - began)
    return times


def open_tools_memory(app: App, count: int = 20) -> dict[str, Any]:
    """RSS with `count` open query tools (each has run SELECT 1), and after they are closed."""
    before = settle(app.pid, 0.5)
    tools = [app.tool(index) for index in range(count)]
    for tool in tools:
        tool.run(SELECT_ONE)
    opened = settle(app.pid, 0.5)
    for tool in tools:
        tool.close()
    after = settle(app.pid, 1.0)
    return {"before": before, "open": opened, "after": after, "rss_now": rss_mib(app.pid)}
