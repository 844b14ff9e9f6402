// The query history panel: searchable (GET api/v1/query-history?q=), click an entry to load it.
import { api, h } from "./api.js";
import { formatDuration } from "./messages.js";
import { debounce, errorText } from "./ui.js";

export class HistoryPanel {
  constructor({ panel, list, search, toggle, onPick }) {
    Object.assign(this, { panel, list, search, toggle, onPick });
    this.search.addEventListener("input", debounce(() => this.load(), 250));
    this.toggle.addEventListener("click", () => this.setOpen(this.panel.hidden));
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  setOpen(isOpen) {
    this.panel.hidden = !isOpen;
    this.toggle.setAttribute("aria-pressed", String(isOpen));
    this.toggle.classList.toggle("active", isOpen);
    if (isOpen) this.load();
  }

  /** Refresh the list if it is showing (after each run). */
  refresh() {
    if (this.isOpen) this.load();
  }

  async load() {
    const q = this.search.value.trim();
    try {
      const entries = await api("GET", "api/v1/query-history", undefined, q ? { q, limit: 100 } : { limit: 100 });
      this.list.replaceChildren(...(entries.length ? entries.map((e) => this.item(e))
        : [h("li", { class: "hint" }, q ? "Nothing in your history matches." : "No history yet.")]));
    } catch (err) {
      this.list.replaceChildren(h("li", { class: "error" }, errorText(err)));
    }
  }

  item(entry) {
    const when = new Date(entry.created_at);
    const meta = [entry.status, entry.rows != null ? `${entry.rows} rows` : null,
      entry.duration_ms != null ? formatDuration(entry.duration_ms) : null, entry.database,
      when.toLocaleString()].filter(Boolean).join(" · ");
    const sql = entry.sql.length > 300 ? `${entry.sql.slice(0, 300)}…` : entry.sql;
    return h("li", {},
      h("button", { type: "button", class: `history-entry status-${entry.status}`, title: "Load into the editor",
        onclick: () => this.onPick(entry.sql) },
      h("code", {}, sql), h("span", { class: "history-meta" }, meta)));
  }
}
