// View/edit data of a table or view: paged rows, sort by header, a filter row, edits reviewed then applied.
import { h } from "./api.js";
import { serverApi } from "./browser_common.js";
import { confirmAction } from "./components/dialog.js";
import { cell } from "./results_grid.js";
import { errorText } from "./ui.js";

const PAGE = 100;
const OPS = [["eq", "="], ["ne", "≠"], ["lt", "<"], ["le", "≤"], ["gt", ">"], ["ge", "≥"], ["ilike", "contains"],
  ["like", "LIKE"], ["is_null", "is NULL"], ["not_null", "is not NULL"]];

/** Values to send: a cell's text as typed (the server casts it to the column's type). */
function keyOf(row, columns, keyColumns) {
  return Object.fromEntries(keyColumns.map((k) => [k, row[columns.findIndex((c) => c.name === k)]]));
}

export class DataView {
  /** mode (the object page's): first / last 100 rows (one page, by key), all (paged), filter (by a condition). */
  constructor(container, ref, { mode = "all", where = "" } = {}) {
    this.container = container;
    this.ref = ref;
    this.isOnePage = mode === "first" || mode === "last";
    this.query = { offset: 0, sort: null, dir: mode === "last" ? "desc" : "asc", filter: "", op: "eq", value: "",
      where: mode === "filter" ? where : "" };
    this.edits = new Map(); // row index -> {values}
    this.deletes = new Set();
    this.inserts = [];
    this.status = h("span", { class: "data-status", id: "data-status" });
    this.error = h("p", { class: "error", role: "alert", id: "data-error", hidden: true });
    this.review = h("div", { class: "data-review", id: "data-review", hidden: true });
    this.body = h("div", { class: "grid-scroll data-grid" });
    this.toolbar = h("div", { class: "toolbar data-toolbar" });
    this.filterBar = h("div", { class: "data-filter" });
    container.replaceChildren(this.toolbar, this.filterBar, this.error, this.review, this.body);
  }

  params() {
    const q = this.query;
    const params = { kind: this.ref.kind, db: this.ref.db, schema: this.ref.schema, name: this.ref.name, limit: PAGE, offset: q.offset };
    if (q.sort) Object.assign(params, { sort: q.sort, dir: q.dir });
    else if (q.dir === "desc") params.dir = "desc"; // no sort column: the key, descending (the last rows)
    if (q.where) params.where = q.where;
    if (q.filter) {
      params.filter = q.filter;
      params.op = q.op;
      if (!["is_null", "not_null"].includes(q.op)) params.value = q.value;
    }
    return params;
  }

  showError(err) {
    this.error.textContent = err ? errorText(err) : "";
    this.error.hidden = !err;
  }

  pendingCount() {
    return this.edits.size + this.deletes.size + this.inserts.length;
  }

  async load() {
    this.showError(null);
    const mine = (this.generation = (this.generation ?? 0) + 1);
    let data;
    try {
      data = await serverApi("GET", "rows", undefined, this.params());
    } catch (err) {
      if (mine === this.generation) this.showError(err);
      return;
    }
    if (mine !== this.generation) return; // a newer sort, filter or page was asked for meanwhile
    this.data = data;
    this.edits.clear();
    this.deletes.clear();
    this.inserts = [];
    this.review.hidden = true;
    this.render();
  }

  render() {
    const d = this.data;
    this.renderToolbar();
    this.renderFilter();
    const editable = d.is_editable;
    const head = h("tr", {}, h("th", { class: "rownum" }, editable ? "" : "#"),
      d.columns.map((col) => {
        const sorted = this.query.sort === col.name;
        return h("th", {
          class: `sortable${sorted ? ` sorted-${this.query.dir}` : ""}`, title: `Sort by ${col.name}`, "data-column": col.name,
          onclick: () => this.sortBy(col.name),
        }, h("span", { class: "col-name" }, col.name, col.is_key ? h("span", { class: "pk", title: "primary key" }, " PK") : "", sorted ? (this.query.dir === "asc" ? " ▲" : " ▼") : ""),
        h("span", { class: "col-type" }, col.type));
      }));
    const rows = d.rows.map((row, r) => {
      const tr = h("tr", { "data-row": r });
      const lead = editable
        ? h("td", { class: "rownum" }, h("button", {
          type: "button", class: "link row-delete", title: "Delete this row",
          onclick: () => { this.toggleDelete(r, tr); },
        }, "✕"))
        : h("td", { class: "rownum" }, this.query.offset + r + 1);
      tr.append(lead, ...row.map((value, c) => {
        const td = cell(value, false);
        td.dataset.column = d.columns[c].name;
        if (editable) td.addEventListener("dblclick", () => this.editCell(td, r, c));
        return td;
      }));
      return tr;
    });
    const inserted = this.inserts.map((values, i) => h("tr", { class: "inserted" }, h("td", { class: "rownum" }, "+"),
      d.columns.map((col) => h("td", {}, h("input", {
        class: "cell-input", "aria-label": `New ${col.name}`, "data-column": col.name,
        oninput: (event) => { this.inserts[i][col.name] = event.target.value; },
      })))));
    this.body.replaceChildren(h("table", { class: "grid results-grid data-table" }, h("thead", {}, head), h("tbody", {}, rows, inserted)));
    this.updateStatus();
  }

  renderToolbar() {
    const d = this.data;
    const q = this.query;
    const prev = h("button", { type: "button", id: "data-prev", disabled: q.offset === 0, onclick: () => this.page(-1) }, "◀ Previous");
    const next = h("button", { type: "button", id: "data-next", disabled: !d.has_more, onclick: () => this.page(1) }, "Next ▶");
    prev.hidden = next.hidden = this.isOnePage && q.offset === 0 && !q.sort;
    const items = [prev, next, h("button", { type: "button", id: "data-reload", onclick: () => this.load() }, "Reload"), this.status];
    if (d.is_editable) {
      items.push(h("span", { class: "sep" }),
        h("button", { type: "button", id: "data-add-row", onclick: () => { this.inserts.push({}); this.render(); } }, "Add row"),
        h("button", { type: "button", id: "data-review-changes", class: "primary", onclick: () => this.reviewChanges() }, "Review changes"),
        h("button", { type: "button", id: "data-discard", onclick: () => this.load() }, "Discard"));
    } else {
      items.push(h("span", { class: "read-only-reason", id: "read-only-reason" }, d.read_only_reason ?? "Read-only."));
    }
    this.toolbar.replaceChildren(...items);
  }

  renderFilter() {
    const q = this.query;
    const column = h("select", { id: "filter-column", "aria-label": "Filter column" }, h("option", { value: "" }, "(no filter)"),
      this.data.columns.map((c) => h("option", { value: c.name, selected: c.name === q.filter }, c.name)));
    const op = h("select", { id: "filter-op", "aria-label": "Filter operator" },
      OPS.map(([value, text]) => h("option", { value, selected: value === q.op }, text)));
    const value = h("input", { id: "filter-value", "aria-label": "Filter value", value: q.value, placeholder: "value" });
    const where = h("input", { id: "filter-where", "aria-label": "Where condition", value: q.where,
      placeholder: "where… e.g. amount > 10", class: "filter-where" });
    const apply = () => {
      Object.assign(q, { filter: column.value, op: op.value, value: value.value, where: where.value.trim(), offset: 0 });
      this.load();
    };
    for (const input of [value, where]) input.addEventListener("keydown", (event) => { if (event.key === "Enter") apply(); });
    this.filterBar.replaceChildren("Filter: ", column, op, value, where,
      h("button", { type: "button", id: "filter-apply", onclick: apply }, "Apply filter"));
  }

  updateStatus() {
    const d = this.data;
    const first = d.rows.length ? this.query.offset + 1 : 0;
    const pending = this.pendingCount();
    this.status.textContent = `rows ${first}–${this.query.offset + d.rows.length}${d.has_more ? "+" : ""}`
      + (pending ? ` · ${pending} pending change${pending === 1 ? "" : "s"}` : "");
  }

  sortBy(name) {
    const q = this.query;
    q.dir = q.sort === name && q.dir === "asc" ? "desc" : "asc";
    q.sort = name;
    q.offset = 0;
    this.load();
  }

  async page(step) {
    if (this.pendingCount() && !await confirmAction({ title: "Discard changes?", confirmLabel: "Discard",
      message: `${this.pendingCount()} pending change(s) to these rows are not saved.`, isDanger: true })) return;
    this.query.offset = Math.max(0, this.query.offset + step * PAGE);
    this.load();
  }

  toggleDelete(r, tr) {
    if (this.deletes.has(r)) this.deletes.delete(r);
    else this.deletes.add(r);
    tr.classList.toggle("deleted", this.deletes.has(r));
    this.updateStatus();
  }

  editCell(td, r, c) {
    if (td.querySelector("input")) return;
    const col = this.data.columns[c].name;
    const original = this.data.rows[r][c];
    const pending = this.edits.get(r)?.[col];
    const start = pending !== undefined ? pending : original;
    const input = h("input", { class: "cell-input", "aria-label": `Edit ${col}` });
    input.value = start === null ? "" : typeof start === "object" ? JSON.stringify(start) : String(start);
    const setNull = h("button", {
      type: "button", class: "cell-null", title: "Set this cell to NULL (not the text 'NULL')", "aria-label": `Set ${col} to NULL`,
      // mousedown, not click: keep the input focused until the choice is recorded, then finish the edit
      onmousedown: (event) => { event.preventDefault(); input.dataset.null = "1"; input.blur(); },
    }, "NULL");
    const done = (keep) => {
      const value = input.dataset.null ? null : input.value;
      const shown = keep ? value : start;
      td.replaceChildren(shown === null ? "NULL" : typeof shown === "object" ? JSON.stringify(shown) : String(shown));
      td.classList.toggle("null", shown === null);
      const changed = value === null ? original !== null : value !== (original === null ? "" : String(original));
      if (keep && changed) {
        this.edits.set(r, { ...(this.edits.get(r) ?? {}), [col]: value });
        td.classList.add("edited");
      }
      this.updateStatus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") input.blur();
      if (event.key === "Escape") { input.dataset.cancel = "1"; input.blur(); }
    });
    input.addEventListener("blur", () => done(!input.dataset.cancel));
    td.replaceChildren(h("span", { class: "cell-edit" }, input, setNull));
    input.focus();
    input.select();
  }

  changes() {
    const { columns, key_columns: keys, rows } = this.data;
    const list = [];
    for (const [r, values] of this.edits) {
      if (!this.deletes.has(r)) list.push({ op: "update", key: keyOf(rows[r], columns, keys), values });
    }
    for (const r of this.deletes) list.push({ op: "delete", key: keyOf(rows[r], columns, keys) });
    for (const values of this.inserts) {
      list.push({ op: "insert", values: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")) });
    }
    return list;
  }

  body_(preview) {
    return { db: this.ref.db, schema: this.ref.schema, name: this.ref.name, changes: this.changes(), preview };
  }

  async reviewChanges() {
    this.showError(null);
    const list = this.changes();
    if (!list.length) {
      this.showError(new Error("No pending changes: double-click a cell to edit it, ✕ to delete a row, Add row to insert."));
      return;
    }
    try {
      const result = await serverApi("POST", "rows/changes", this.body_(true));
      const apply = h("button", { type: "button", class: "primary", id: "data-apply", onclick: () => this.applyChanges(apply) }, "Apply in one transaction");
      this.review.replaceChildren(h("h3", {}, "Statements to run (one transaction)"), h("pre", { class: "sql-preview", id: "data-review-sql" }, result.sql),
        h("div", { class: "dialog-buttons" }, h("button", { type: "button", onclick: () => { this.review.hidden = true; } }, "Keep editing"), apply));
      this.review.hidden = false;
    } catch (err) {
      this.showError(err);
    }
  }

  async applyChanges(button) {
    button.disabled = true;
    try {
      const result = await serverApi("POST", "rows/changes", this.body_(false));
      await this.load();
      this.status.textContent += ` · applied ${result.results?.length ?? 0} change(s)`;
    } catch (err) {
      this.showError(err);
      button.disabled = false;
    }
  }
}
