// The server dashboard: sessions (cancel/terminate), locks with blocking chains, settings, pg_hba, live graphs.
import { api, h } from "./api.js";
import { uPlot } from "../vendor/uplot/uplot.bundle.js";
import { confirmAction } from "./components/dialog.js";
import { cssColor, SERIES_COLORS } from "./components/theme.js";
import { readyAfter } from "./page_ready.js";
import { installSessionGuard } from "./session_guard.js";
import { debounce, showError } from "./ui.js";

const $ = (selector) => document.querySelector(selector);
const root = $("#dashboard");
const serverId = root.dataset.serverId;
const REFRESH_MS = 3000;
const errorBox = $("#dash-error");
let db = new URLSearchParams(window.location.search).get("db") || "";
let me = null;
let previous = null; // last stats sample, for rates

const call = (method, path, params) => api(method, `api/v1/servers/${serverId}/dashboard/${path}`, undefined, params);
const dbParams = () => (db ? { db } : undefined);
// This dashboard's own catalog probes (each SQL file starts with a "-- Dashboard" comment) are not shown.
const isProbe = (row) => (row.query ?? "").trimStart().startsWith("-- Dashboard");

function text(value) {
  if (value === null || value === undefined) return h("span", { class: "null" }, "—");
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function table(columns, rows, { empty = "None.", rowAttrs } = {}) {
  if (!rows.length) return h("p", { class: "hint" }, empty);
  return h("table", { class: "grid" },
    h("thead", {}, h("tr", {}, columns.map(([label]) => h("th", {}, label)))),
    h("tbody", {}, rows.map((row) => h("tr", rowAttrs?.(row) ?? {}, columns.map(([, render]) => {
      const value = render(row);
      return value instanceof Node && value.tagName === "TD" ? value : h("td", {}, value instanceof Node ? value : text(value));
    })))));
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return null;
  seconds = Math.max(0, seconds);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

async function signal(session, action) {
  const verb = action === "cancel" ? "Cancel the running query of" : "Terminate";
  const isConfirmed = await confirmAction({ title: `${verb} session ${session.pid}?`, isDanger: action !== "cancel",
    message: `${session.user ?? "?"} on ${session.database ?? "?"}`,
    confirmLabel: action === "cancel" ? "Cancel query" : "Terminate" });
  if (!isConfirmed) return;
  try {
    await call("POST", `sessions/${session.pid}/${action}`);
    showError(errorBox, null);
  } catch (err) {
    showError(errorBox, err);
  }
  refreshSessions();
}

async function refreshSessions() {
  const data = await call("GET", "sessions", dbParams());
  me = data.me;
  $("#sessions-me").textContent = `as ${me.role}${me.is_superuser ? " (superuser)" : ""} · PostgreSQL ${me.server_version}`;
  $("#sessions").replaceChildren(table([
    ["PID", (s) => s.pid], ["User", (s) => s.user], ["Database", (s) => s.database], ["Client", (s) => s.client],
    ["Application", (s) => s.application_name], ["State", (s) => s.state ?? s.backend_type],
    ["Wait event", (s) => (s.wait_event ? `${s.wait_event_type}: ${s.wait_event}` : null)],
    ["Transaction age", (s) => age(s.transaction_age_s)], ["Blocked by", (s) => s.blocked_by],
    ["Query", (s) => h("td", { class: "query", title: s.query ?? "" }, s.query ?? "")],
    ["", (s) => h("td", { class: "actions" }, [
      s.can_cancel ? h("button", { type: "button", class: "cancel-session", onclick: () => signal(s, "cancel") }, "Cancel") : "",
      s.can_terminate ? h("button", { type: "button", class: "danger terminate-session", onclick: () => signal(s, "terminate") }, "Terminate") : "",
    ])],
  ], data.items.filter((s) => !isProbe(s)), { empty: "No other sessions.", rowAttrs: (s) => ({ class: "session-row", "data-pid": s.pid }) }));
}

async function refreshLocks() {
  const data = await call("GET", "locks", dbParams());
  $("#blocking").replaceChildren(data.blocking.length
    ? h("ul", { class: "chains" }, data.blocking.map((b) => h("li", { class: "chain" },
      `${b.chain.join(" waits for ")} (head of the chain: ${b.head})`)))
    : h("p", { class: "hint" }, "No session is waiting for a lock."));
  $("#locks").replaceChildren(table([
    ["PID", (l) => l.pid], ["Type", (l) => l.locktype], ["Relation", (l) => l.relation], ["Mode", (l) => l.mode],
    ["Granted", (l) => (l.granted ? "yes" : "waiting")], ["Blocked by", (l) => l.blocked_by],
    ["Database", (l) => l.database], ["User", (l) => l.user],
  ], data.items.filter((l) => !isProbe(l)), { empty: "No locks." }));
}

async function refreshPrepared() {
  const data = await call("GET", "prepared", dbParams());
  $("#prepared").replaceChildren(table([
    ["GID", (p) => p.gid], ["Owner", (p) => p.owner], ["Database", (p) => p.database], ["Prepared", (p) => p.prepared],
  ], data.items, { empty: "No prepared transactions." }));
}

async function refreshSettings() {
  const q = $("#settings-q").value.trim();
  const data = await call("GET", "settings", q ? { q } : undefined);
  $("#settings").replaceChildren(table([
    ["Name", (s) => s.name], ["Setting", (s) => (s.unit ? `${s.setting} ${s.unit}` : s.setting)],
    ["Source", (s) => s.source], ["Pending restart", (s) => (s.pending_restart ? "yes" : "")],
    ["Category", (s) => s.category], ["Description", (s) => s.short_desc ?? s.description],
  ], data.items, { empty: "No setting matches.", rowAttrs: (s) => ({ class: "setting-row", "data-name": s.name }) }));
}

async function refreshHba() {
  if (me && !me.is_superuser) {
    $("#hba").replaceChildren(h("p", { class: "hint", id: "hba-message" },
      "Only superusers can read the authentication rules (pg_hba_file_rules)."));
    return;
  }
  try {
    const data = await call("GET", "hba");
    $("#hba").replaceChildren(table([
      ["Line", (r) => r.line_number], ["Type", (r) => r.type], ["Database", (r) => r.database],
      ["User", (r) => r.user_name], ["Address", (r) => r.address], ["Netmask", (r) => r.netmask],
      ["Method", (r) => r.auth_method], ["Options", (r) => r.options], ["Error", (r) => r.error],
    ], data.items, { empty: "No rules." }));
  } catch (err) {
    $("#hba").replaceChildren(h("p", { class: "hint", id: "hba-message" }, err.message));
  }
}

const CHART_HEIGHT = 120;

function shortNumber(n) {
  if (n === null || n === undefined) return "";
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 10 || n === 0 ? String(Math.round(n)) : n.toFixed(1);
}

// A live line chart drawn with the vendored uPlot: a few series over time, keeping the last `capacity` points.
// The chart's box carries data-points (points per series), for tests and debugging.
class LiveChart {
  constructor(container, { id, title, series, capacity = 60 }) {
    const axis = { font: "10px sans-serif", stroke: cssColor("--muted"), grid: { stroke: cssColor("--line") },
      ticks: { show: false } };
    this.keys = series.map((s) => s.key);
    this.capacity = capacity;
    this.data = [[], ...series.map(() => [])];
    this.box = h("div", { class: "chart", id, "data-points": "0" }, h("h2", {}, title));
    const plot = h("div", { class: "chart-plot", role: "img", "aria-label": title });
    this.box.append(plot);
    container.append(this.box);
    this.plot = new uPlot({
      width: Math.max(100, plot.clientWidth),
      height: CHART_HEIGHT,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [
        { ...axis, size: 24, space: 70,
          values: (u, splits) => splits.map((v) => new Date(v * 1000).toLocaleTimeString()) },
        { ...axis, size: 36,
          values: (u, splits) => splits.map(shortNumber) },
      ],
      series: [
        { label: "time", value: (u, v) => (v === null ? "" : new Date(v * 1000).toLocaleTimeString()) },
        ...series.map((s, i) => ({ label: s.label, stroke: cssColor(SERIES_COLORS[i % SERIES_COLORS.length]), width: 1.8,
          value: (u, v) => shortNumber(v), points: { show: false } })),
      ],
    }, this.data, plot);
    new ResizeObserver(() => {
      const width = Math.max(100, plot.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: CHART_HEIGHT });
    }).observe(plot);
  }

  /** Add one point at `epoch` (seconds): an object with a number per series key. */
  push(epoch, point) {
    this.data[0].push(epoch);
    this.keys.forEach((key, i) => this.data[i + 1].push(Number(point[key]) || 0));
    if (this.data[0].length > this.capacity) this.data.forEach((values) => values.shift());
    this.plot.setData(this.data);
    this.box.dataset.points = String(this.data[0].length);
  }
}

const charts = $("#charts");
const sessionsChart = new LiveChart(charts, { id: "chart-sessions", title: "Sessions", series: [
  { key: "active", label: "active" }, { key: "idle", label: "idle" }, { key: "idle_in_transaction", label: "idle in tx" }] });
const txChart = new LiveChart(charts, { id: "chart-tx", title: "Transactions/s", series: [
  { key: "commits", label: "commits" }, { key: "rollbacks", label: "rollbacks" }] });
const tuplesChart = new LiveChart(charts, { id: "chart-tuples", title: "Tuples/s", series: [
  { key: "in", label: "in (ins+upd+del)" }, { key: "out", label: "out (fetched+returned)" }] });
const blocksChart = new LiveChart(charts, { id: "chart-blocks", title: "Block I/O/s", series: [
  { key: "read", label: "read" }, { key: "hit", label: "hit" }] });

async function refreshStats() {
  const s = await call("GET", "stats", dbParams());
  sessionsChart.push(s.epoch, s.sessions);
  if (previous && s.epoch > previous.epoch) {
    const dt = s.epoch - previous.epoch;
    const rate = (key) => Math.max(0, (s[key] - previous[key]) / dt);
    txChart.push(s.epoch, { commits: rate("xact_commit"), rollbacks: rate("xact_rollback") });
    tuplesChart.push(s.epoch, { in: rate("tuples_in"), out: rate("tuples_out") });
    blocksChart.push(s.epoch, { read: rate("blks_read"), hit: rate("blks_hit") });
  }
  previous = s;
}

let busy = false;
async function poll() {
  if (busy || $("#dash-pause").checked || document.hidden) return;
  busy = true;
  try {
    await Promise.all([refreshSessions(), refreshLocks(), refreshStats()]);
    $("#dash-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    showError(errorBox, null);
  } catch (err) {
    showError(errorBox, err);
  } finally {
    busy = false;
  }
}

async function loadDatabases() {
  try {
    const items = await api("GET", `api/v1/servers/${serverId}/databases`);
    const list = Array.isArray(items) ? items : items.items ?? [];
    const names = list.map((d) => (typeof d === "string" ? d : d.name));
    $("#dash-db").append(...names.map((name) => h("option", { value: name, selected: name === db }, name)));
  } catch {
    // the picker stays at "whole server"
  }
}

installSessionGuard();
$("#dash-db").addEventListener("change", (event) => {
  db = event.target.value;
  previous = null;
  const params = new URLSearchParams(window.location.search);
  if (db) params.set("db", db);
  else params.delete("db");
  window.history.replaceState(null, "", `${window.location.pathname}${params.size ? `?${params}` : ""}`);
  poll();
  refreshPrepared();
});
$("#settings-q").addEventListener("input", debounce(() => refreshSettings().catch((err) => showError(errorBox, err)), 300));

readyAfter((async () => {
  await poll();
  await Promise.all([refreshPrepared(), refreshSettings(), refreshHba(), loadDatabases()]).catch((err) => showError(errorBox, err));
})()).then(() => setInterval(poll, REFRESH_MS));
