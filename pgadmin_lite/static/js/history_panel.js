// The query history panel: this database's, this server's or all runs (GET api/v1/query-history with server_id,
// database, status, q). An entry is inserted at the cursor, copied or run again; it never replaces the editor.
import { api, h } from "./api.js";
import { formatDuration } from "./messages.js";
import { debounce, errorText } from "./ui.js";

const KIND_LABELS = { explain: "EXPLAIN", explain_analyze: "EXPLAIN ANALYZE" };
const LIMIT = 100;

export class HistoryPanel {
  /**
   * els: {panel, list, search, toggle, scope, status, note}; target: {serverId, database} of this tab;
   * onInsert(sql) puts the text at the cursor; onRun(entry) runs it again (a query, or its EXPLAIN).
   */
  constructor({ els, target, onInsert, onRun }) {
    Object.assign(this, { els, target, onInsert, onRun });
    this.serverNames = null;
    const reload = () => this.load();
    els.search.addEventListener("input", debounce(reload, 250));
    els.scope.addEventListener("change", reload);
    els.status.addEventListener("change", reload);
    els.toggle.addEventListener("click", () => this.setOpen(els.panel.hidden));
  }

  get isOpen() {
    return !this.els.panel.hidden;
  }

  setOpen(isOpen) {
    const { panel, toggle } = this.els;
    panel.hidden = !isOpen;
    toggle.setAttribute("aria-pressed", String(isOpen));
    toggle.classList.toggle("active", isOpen);
    if (isOpen) this.load();
  }

  /** Refresh the list if it is showing (after each run). */
  refresh() {
    if (this.isOpen) this.load();
  }

  query() {
    const { search, scope, status } = this.els;
    const params = { limit: LIMIT };
    const q = search.value.trim();
    if (q) params.q = q;
    if (scope.value !== "all") params.server_id = this.target.serverId;
    if (scope.value === "database") params.database = this.target.database;
    if (status.value) params.status = status.value;
    return params;
  }

  async load() {
    const { list } = this.els;
    const params = this.query();
    try {
      const entries = await api("GET", "api/v1/query-history", undefined, params);
      if (this.els.scope.value === "all") await this.loadServerNames();
      list.replaceChildren(...(entries.length ? entries.map((e) => this.item(e))
        : [h("li", { class: "hint" }, Object.keys(params).length > 2 || params.q
          ? "Nothing in this history matches." : "No history yet.")]));
      list.dataset.state = "ready";
    } catch (err) {
      list.replaceChildren(h("li", { class: "error" }, errorText(err)));
      list.dataset.state = "failed";
    }
  }

  async loadServerNames() {
    if (this.serverNames) return;
    const servers = await api("GET", "api/v1/servers");
    this.serverNames = new Map((servers.items ?? servers).map((s) => [s.id, s.name]));
  }

  describe(entry) {
    const where = this.els.scope.value === "all"
      ? `${entry.database} on ${this.serverNames?.get(entry.server_id) ?? "a removed server"}`
      : this.els.scope.value === "server" ? entry.database : null;
    const rows = entry.status !== "ok" ? null : entry.rows != null ? `${entry.rows} rows` : "rows not counted";
    return [KIND_LABELS[entry.kind], entry.status, rows,
      entry.duration_ms != null ? formatDuration(entry.duration_ms) : null, where,
      new Date(entry.created_at).toLocaleString()].filter(Boolean).join(" · ");
  }

  item(entry) {
    const sql = entry.sql.length > 300 ? `${entry.sql.slice(0, 300)}…` : entry.sql;
    return h("li", { class: "history-item" },
      h("button", { type: "button", class: `history-entry status-${entry.status}`,
        title: "Insert at the cursor", onclick: () => this.onInsert(entry.sql) },
      h("code", {}, sql), h("span", { class: "history-meta" }, this.describe(entry))),
      h("span", { class: "history-actions" },
        h("button", { type: "button", class: "history-copy", title: "Copy the SQL",
          onclick: () => this.copy(entry.sql) }, "Copy"),
        h("button", { type: "button", class: "history-run", title: "Run it again (the editor is left as it is)",
          onclick: () => this.onRun(entry) }, "Run")));
  }

  async copy(sql) {
    try {
      await navigator.clipboard.writeText(sql);
      this.els.note.textContent = "Copied.";
    } catch (err) {
      this.els.note.textContent = `Could not copy: ${errorText(err)}`;
    }
  }
}
