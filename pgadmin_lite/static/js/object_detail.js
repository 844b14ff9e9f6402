// One object's view: its title, actions (Properties / Alter, Rename, Comment, Drop) and tabs (Properties, SQL,
// Statistics, Dependencies, Data). The object-browser page and the object page (a workspace tab) both use it.
import { h } from "./api.js";
import { alterDialog } from "./alter_dialogs.js";
import { cleanRef, kindLabel, listTable, refLabel, renderValue, serverApi } from "./browser_common.js";
import { DataView } from "./browser_data.js";
import { commentDialog, dropDialog, renameDialog } from "./browser_dialogs.js";
import { humanStats, renderProperties } from "./object_properties.js";
import { showError } from "./ui.js";

export const TABS = [["properties", "Properties"], ["sql", "SQL"], ["stats", "Statistics"],
  ["dependencies", "Dependencies"], ["data", "Data"]];
const DATA_KINDS = new Set(["table", "view", "materialized_view"]);

export class ObjectDetail {
  /**
   * root: an (empty) element to fill. onChanged(ref, { dropped, previous }) follows each applied change:
   * ref is the object afterwards (renamed or moved), previous the ref it had.
   */
  constructor(root, { onChanged } = {}) {
    this.onChanged = onChanged;
    this.ref = null;
    this.tab = "properties";
    this.loaded = new Set();
    this.curated = null;
    this.dataOptions = {};
    this.title = h("h1", { id: "object-title" }, "Select an object");
    this.kind = h("span", { class: "badge muted", id: "object-kind", hidden: true });
    this.actions = h("div", { class: "ob-actions", id: "object-actions", hidden: true },
      h("button", { type: "button", id: "action-alter", onclick: () => this.alter() }, "Properties / Alter…"),
      h("button", { type: "button", id: "action-rename", onclick: () => this.rename() }, "Rename…"),
      h("button", { type: "button", id: "action-comment", onclick: () => this.comment() }, "Comment…"),
      h("button", { type: "button", class: "danger", id: "action-drop", onclick: () => this.drop() }, "Drop…"));
    this.error = h("p", { class: "error", role: "alert", id: "detail-error", hidden: true });
    this.tabs = h("nav", { class: "qt-tabs ob-tabs", id: "object-tabs", hidden: true, role: "tablist" },
      TABS.map(([id, label], i) => h("button", { type: "button", class: `tab${i ? "" : " active"}`, role: "tab", "data-tab": id,
        onclick: () => this.showTab(id) }, label)));
    this.sqlText = h("pre", { class: "sql-text", id: "sql-text" });
    this.panels = Object.fromEntries(TABS.map(([id]) => [id, h("div", { class: "ob-panel", "data-panel": id, id: `panel-${id}`,
      hidden: id !== "properties" })]));
    this.panels.sql.append(this.sqlText);
    root.replaceChildren(h("div", { class: "ob-detail-head" }, this.title, this.kind, h("span", { class: "spacer" }), this.actions),
      this.error, this.tabs, h("div", { class: "ob-panels" }, Object.values(this.panels)));
  }

  /** Show an object; tab (default: the current one) and data ({ mode, where } for the Data tab). */
  show(ref, { tab, data } = {}) {
    this.ref = cleanRef(ref);
    this.loaded = new Set();
    this.curated = null;
    this.dataOptions = data ?? {};
    this.title.textContent = refLabel(ref);
    this.kind.textContent = kindLabel(ref.kind);
    this.kind.hidden = false;
    this.actions.hidden = false;
    this.tabs.hidden = false;
    this.tabs.querySelector('[data-tab="data"]').hidden = !DATA_KINDS.has(ref.kind);
    let wanted = tab ?? this.tab;
    if (wanted === "data" && !DATA_KINDS.has(ref.kind)) wanted = "properties";
    showError(this.error, null);
    return this.showTab(wanted);
  }

  /** Forget the object (it was dropped). */
  clear(message) {
    this.ref = null;
    this.title.textContent = message;
    this.kind.hidden = true;
    this.actions.hidden = true;
    this.tabs.hidden = true;
    for (const [id, panel] of Object.entries(this.panels)) panel.replaceChildren(id === "sql" ? this.sqlText : "");
    this.sqlText.textContent = "";
  }

  showTab(tab) {
    this.tab = tab;
    for (const button of this.tabs.querySelectorAll(".tab")) button.classList.toggle("active", button.dataset.tab === tab);
    for (const [id, panel] of Object.entries(this.panels)) panel.hidden = id !== tab;
    if (!this.ref || this.loaded.has(tab)) return Promise.resolve();
    this.loaded.add(tab);
    return this.load(tab, this.ref);
  }

  reload() {
    this.loaded = new Set();
    return this.showTab(this.tab);
  }

  async load(tab, ref) {
    const panel = this.panels[tab];
    if (tab === "sql") this.sqlText.textContent = "Loading…";
    else panel.replaceChildren(h("p", { class: "hint" }, "Loading…"));
    try {
      if (tab === "properties") {
        const result = await serverApi("GET", "objects/properties", undefined, ref);
        if (ref !== this.ref) return;
        this.curated = result;
        panel.replaceChildren(renderProperties(result));
      } else if (tab === "sql") {
        const result = await serverApi("GET", "objects/sql", undefined, ref);
        if (ref !== this.ref) return;
        this.sqlText.textContent = result.sql;
      } else if (tab === "stats") {
        const result = await serverApi("GET", "objects/stats", undefined, ref);
        if (ref !== this.ref) return;
        panel.replaceChildren(result.note ? h("p", { class: "hint" }, result.note) : "", renderValue(humanStats(result.stats)));
      } else if (tab === "dependencies") {
        const result = await serverApi("GET", "objects/dependencies", undefined, ref);
        if (ref !== this.ref) return;
        panel.replaceChildren(h("h3", {}, "Depends on"), listTable(result.dependencies, "Nothing."),
          h("h3", {}, "Dependents"), listTable(result.dependents, "Nothing depends on it."));
      } else if (tab === "data") {
        await new DataView(panel, ref, this.dataOptions).load();
      }
    } catch (err) {
      if (ref !== this.ref) return;
      this.loaded.delete(tab);
      if (tab === "sql") this.sqlText.textContent = "";
      else panel.replaceChildren();
      showError(this.error, err);
    }
  }

  /** The curated properties (values and choices for the dialogs), loaded if the tab has not been shown. */
  async properties() {
    if (!this.curated) this.curated = await serverApi("GET", "objects/properties", undefined, this.ref);
    return this.curated;
  }

  changed(result, { dropped = false } = {}) {
    const previous = this.ref;
    if (dropped) this.clear("Dropped.");
    else {
      const ref = result?.ref ?? previous;
      this.show(ref);
    }
    this.onChanged?.(dropped ? previous : (result?.ref ?? previous), { dropped, previous });
  }

  async alter() {
    if (!this.ref) return;
    try {
      alterDialog(this.ref, await this.properties(), (result) => this.changed(result));
    } catch (err) {
      showError(this.error, err);
    }
  }

  rename() {
    if (this.ref) renameDialog(this.ref, (result) => this.changed(result));
  }

  async comment() {
    if (!this.ref) return;
    try {
      const { values } = await this.properties();
      commentDialog(this.ref, values.comment, (result) => this.changed(result));
    } catch (err) {
      showError(this.error, err);
    }
  }

  drop() {
    if (this.ref) dropDialog(this.ref, () => this.changed(null, { dropped: true }), (err) => showError(this.error, err));
  }
}
