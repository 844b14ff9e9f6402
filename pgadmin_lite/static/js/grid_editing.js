// Editing a result in the results grid: when the server says the result's rows come from one table with a key
// (GET …/editable), cells edit in place (NULL is not the empty text), rows are added and deleted, pending changes
// are highlighted, and "Review & apply" shows the exact SQL before it runs (POST …/changes) — inside the tab's
// open transaction when there is one (COMMIT keeps it), else in one transaction of its own.
import { h } from "./api.js";
import { cellText } from "./grid_values.js";
import { errorText } from "./ui.js";

const shown = (value) => (value === null ? "NULL" : value === undefined ? "DEFAULT" : cellText(value));

export class GridEditor {
  /** request(method, path, body, params) calls the tab's API (…/query-tool/<tx_id>/<path>); onApplied(answer). */
  constructor(grid, { request, onApplied = () => {} }) {
    this.grid = grid;
    this.request = request;
    this.onApplied = onApplied;
    this.info = null;
    this.bar = h("span", { class: "grid-edit-bar" });
    this.resetChanges();
    grid.editor = this;
  }

  resetChanges() {
    this.edits = new Map();    // row (its array in grid.rows) → Map(column index → new value)
    this.deletes = new Set();  // rows to delete
    this.inserts = new Set();  // rows added here (their arrays are in grid.rows too)
  }

  /** A new result is shown: ask whether it can be edited (the run and statement name it on the server). */
  async reset(result) {
    this.resetChanges();
    this.info = null;
    this.source = null;
    this.bar.replaceChildren();
    const statement = result.rows_statement_index;
    if (statement == null || result.run == null || !result.statements?.[statement]?.source) return;
    this.source = { run: result.run, statement };
    try {
      const info = await this.request("GET", "editable", undefined, this.source);
      if (this.source?.run !== result.run) return;  // another result came meanwhile
      this.info = info;
    } catch (err) {
      this.info = { is_editable: false, read_only_reason: `Whether it can be edited is unknown: ${errorText(err)}` };
    }
    this.renderBar();
  }

  get isEditable() {
    return Boolean(this.info?.is_editable);
  }

  canEdit(c) {
    return this.isEditable && Boolean(this.info.columns[c]?.is_editable);
  }

  pendingCount() {
    let count = this.deletes.size + this.inserts.size;
    for (const [row, values] of this.edits) if (!this.deletes.has(row) && !this.inserts.has(row)) count += values.size;
    return count;
  }

  renderBar() {
    const info = this.info;
    if (!info) return;
    if (!info.is_editable) {
      this.bar.replaceChildren(h("span", { class: "grid-read-only", title: info.read_only_reason }, "Read-only"));
      return;
    }
    const pending = this.pendingCount();
    this.bar.replaceChildren(
      h("span", { class: "grid-editable", id: "grid-editable",
        title: `Rows of ${info.schema}.${info.table}, named by ${info.key_columns.join(", ")}: double-click, Enter or F2 edits a cell` },
      `✎ ${info.schema}.${info.table}`),
      h("button", { type: "button", id: "grid-add-row", onclick: () => this.addRow() }, "Add row"),
      h("button", { type: "button", id: "grid-delete-rows", title: "Mark the selected rows for deletion (again to unmark)",
        onclick: () => this.toggleDeletes() }, "Delete rows"),
      h("button", { type: "button", id: "grid-review", class: pending ? "primary" : null, disabled: !pending,
        onclick: () => this.review() }, pending ? `Review & apply (${pending})` : "Review & apply"),
      h("button", { type: "button", id: "grid-discard", disabled: !pending, onclick: () => this.discard() }, "Discard"));
  }

  /** Paint a rendered row: its pending values and whether it is added or deleted. */
  decorate(tr, row) {
    tr.classList.toggle("inserted", this.inserts.has(row));
    tr.classList.toggle("deleted", this.deletes.has(row));
    const values = this.edits.get(row);
    for (let c = 0; c < row.length; c += 1) {
      const td = tr.children[c + 1];
      const isPending = values?.has(c);
      const value = isPending ? values.get(c) : row[c];
      if (!isPending && !this.inserts.has(row)) continue;
      td.textContent = shown(value);
      td.classList.toggle("null", value === null);
      td.classList.toggle("default", value === undefined);
      td.classList.toggle("edited", Boolean(isPending));
    }
  }

  refresh() {
    this.grid.render(true);
    this.renderBar();
  }

  /** Edit the cell at view position i, column c, in place: Enter or leaving keeps it, Escape cancels. */
  edit(i, c) {
    if (!this.canEdit(c)) return false;
    const row = this.grid.rows[this.grid.rowIndex(i)];
    if (this.deletes.has(row)) return true;
    this.grid.scrollToCell(i, c);
    const td = this.grid.body.querySelector(`tr[data-row="${i}"]`)?.children[c + 1];
    if (!td || td.querySelector("input")) return true;
    const pending = this.edits.get(row);
    const start = pending?.has(c) ? pending.get(c) : row[c];
    const name = this.grid.columns[c].name;
    const input = h("input", { class: "cell-input", "aria-label": `Edit ${name}`, spellcheck: "false",
      onmousedown: (event) => event.stopPropagation() });
    input.value = start === null || start === undefined ? "" : cellText(start);
    const setNull = h("button", { type: "button", class: "cell-null", title: "Set this cell to NULL (not the empty text)",
      "aria-label": `Set ${name} to NULL`, onmousedown: (event) => { event.preventDefault(); input.dataset.null = "1"; input.blur(); } }, "NULL");
    let isDone = false;
    const done = (isKept) => {
      if (isDone) return;
      isDone = true;
      if (isKept) this.setValue(row, c, input.dataset.null ? null : input.value);
      this.refresh();
      this.grid.scroller.focus({ preventScroll: true });
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();  // the grid's keys (arrows, Ctrl+A, copy) are the input's while it edits
      if (event.key === "Enter") { event.preventDefault(); done(true); }
      if (event.key === "Escape") { event.preventDefault(); done(false); }
    });
    input.addEventListener("blur", () => done(true));
    td.replaceChildren(h("span", { class: "cell-edit" }, input, setNull));
    input.focus();
    input.select();
    return true;
  }

  setValue(row, c, value) {
    const original = row[c];
    const isSame = this.inserts.has(row) ? false
      : value === null ? original === null : original !== null && value === cellText(original);
    const values = this.edits.get(row) ?? new Map();
    if (isSame) values.delete(c);
    else values.set(c, value);
    if (values.size) this.edits.set(row, values);
    else this.edits.delete(row);
  }

  addRow() {
    const row = this.grid.columns.map(() => undefined);
    this.inserts.add(row);
    this.grid.rows.push(row);
    if (this.grid.order) this.grid.order.push(this.grid.rows.length - 1);
    this.grid.sizeRownums();
    this.refresh();
    const i = this.grid.viewLength() - 1;
    const c = this.info.columns.findIndex((col) => col.is_editable);
    this.grid.selection.moveTo(i, c);
    this.edit(i, c);
  }

  toggleDeletes() {
    const range = this.grid.selection.range() ?? (this.grid.selection.focus ? { r0: this.grid.selection.focus.i, r1: this.grid.selection.focus.i } : null);
    if (!range) {
      this.grid.setNote("Select the rows to delete first (click a row number or a cell).");
      return;
    }
    for (let i = range.r0; i <= range.r1; i += 1) {
      const row = this.grid.rows[this.grid.rowIndex(i)];
      if (this.inserts.has(row)) this.dropInserted(row);
      else if (this.deletes.has(row)) this.deletes.delete(row);
      else this.deletes.add(row);
    }
    this.refresh();
  }

  dropInserted(row) {
    this.inserts.delete(row);
    this.edits.delete(row);
    this.grid.rows.splice(this.grid.rows.indexOf(row), 1);
    if (this.grid.order) this.grid.applyView();
  }

  discard() {
    for (const row of [...this.inserts]) this.dropInserted(row);
    this.resetChanges();
    this.grid.setNote("Pending changes discarded.");
    this.refresh();
  }

  keyOf(row) {
    const key = {};
    for (const name of this.info.key_columns) key[name] = row[this.info.columns.findIndex((col) => col.column === name)];
    return key;
  }

  changesBody(preview) {
    const column = (c) => this.info.columns[c].column;
    const updates = [];
    for (const [row, values] of this.edits) {
      if (this.deletes.has(row) || this.inserts.has(row) || !values.size) continue;
      updates.push({ key: this.keyOf(row), set: Object.fromEntries([...values].map(([c, v]) => [column(c), v])) });
    }
    const inserts = [...this.inserts].map((row) => Object.fromEntries([...(this.edits.get(row) ?? [])].map(([c, v]) => [column(c), v])));
    const deletes = [...this.deletes].map((row) => ({ key: this.keyOf(row) }));
    return { ...this.source, preview, updates, inserts, deletes };
  }

  /** Show the exact statements; Apply runs them. */
  async review() {
    let answer;
    try {
      answer = await this.request("POST", "changes", this.changesBody(true));
    } catch (err) {
      this.grid.footerNote.textContent = errorText(err);
      return;
    }
    const where = answer.in_transaction
      ? "They run inside your open transaction (a savepoint guards it): COMMIT to keep them, ROLLBACK to undo."
      : "They run in one transaction of their own: all of them, or none.";
    const error = h("p", { class: "error", id: "grid-review-error", role: "alert", hidden: true });
    const apply = h("button", { type: "button", class: "primary", id: "grid-apply" }, "Apply");
    const dialog = h("dialog", { class: "modal review-dialog", "aria-label": "Review changes" },
      h("h2", {}, "Review changes"), h("p", { class: "hint" }, where),
      h("pre", { class: "sql-preview", id: "grid-review-sql" }, answer.sql), error,
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", class: "dialog-cancel", onclick: () => dialog.close() }, "Keep editing"), apply));
    apply.addEventListener("click", async () => {
      apply.disabled = true;
      try {
        this.applied(await this.request("POST", "changes", this.changesBody(false)));
        dialog.close();
      } catch (err) {
        error.textContent = errorText(err);
        error.hidden = false;
        apply.disabled = false;
      }
    });
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    apply.focus();
  }

  /** The changes ran: the grid shows the new values (added rows keep DEFAULT where the server chose). */
  applied(answer) {
    for (const [row, values] of this.edits) for (const [c, value] of values) row[c] = value;
    this.grid.rows = this.grid.rows.filter((row) => !this.deletes.has(row));
    const count = answer.results?.length ?? 0;
    this.resetChanges();
    if (this.grid.order) this.grid.applyView();
    this.grid.setNote(`Applied ${count} change${count === 1 ? "" : "s"}${answer.in_transaction ? " in your open transaction: COMMIT to keep them" : ""}.`);
    this.refresh();
    this.onApplied(answer);
  }
}
