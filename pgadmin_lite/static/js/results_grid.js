// The results grid: a virtual table (only the rows in view are in the page) over the loaded rows — row numbers,
// sized and resizable columns, selection and copies, sort and filter of the loaded rows, a value viewer, and more
// rows on scroll, on demand or up to the end.
import { h } from "./api.js";
import { menuPointFor, openMenu } from "./components/context_menu.js";
import { copyMenuItems, formatRows } from "./grid_copy.js";
import { GridSelection } from "./grid_selection.js";
import { cellText, isNumericType, viewOrder } from "./grid_values.js";
import { errorText } from "./ui.js";
import { openValueViewer } from "./value_viewer.js";

export { cell } from "./grid_values.js";

const OVERSCAN = 20;       // rows rendered above and below the visible ones
const JUMP_PAGE = 10_000;  // rows per fetch while jumping to the end
const SAMPLE_ROWS = 500;   // rows measured to size a column
const WIDTHS = { min: 48, max: 360, fitMax: 800, header: 30, cell: 18 };
const FALLBACK_VIEW_HEIGHT = 600;  // px rendered while the grid is hidden (its size is known once shown)

export class ResultsGrid {
  /** loadMore(limit?) must resolve to {rows, has_more, truncated, released, rest_let_go} (POST …/fetch);
   * onRunAgain() re-runs the statement when the rest of its rows were let go. */
  constructor(container, { loadMore, onRunAgain }) {
    this.container = container;
    this.loadMore = loadMore;
    this.onRunAgain = onRunAgain;
    this.loading = null;
    this.isJumping = false;
    this.columns = [];
    this.rows = [];
    this.hasMore = false;
    this.truncated = false;
    this.generation = 0;
    this.onChange = () => {};
    this.editor = null;  // a GridEditor (grid_editing.js) sets itself here: editable results
    this.selection = new GridSelection(this);
    new ResizeObserver(() => this.scheduleRender()).observe(container);
    window.addEventListener("mouseup", () => { this.selection.isDragging = false; });
  }

  get count() {
    return this.rows.length;
  }

  clear(note) {
    this.generation += 1;
    this.columns = [];
    this.rows = [];
    this.hasMore = false;
    this.scroller = null;
    this.container.replaceChildren(note ? h("p", { class: "hint empty-result" }, note) : "");
    this.onChange();
  }

  show(result) {
    this.generation += 1;
    this.columns = result.columns ?? [];
    this.rows = [];
    this.order = null;
    this.sort = null;
    this.filterText = "";
    this.hasMore = Boolean(result.has_more);
    this.truncated = Boolean(result.truncated);
    this.editor?.reset(result);
    if (!this.columns.length) {
      this.clear("No rows: the last statement returned no result set (see Messages).");
      return;
    }
    this.numeric = this.columns.map((col) => isNumericType(col.type));
    this.selection.reset();
    this.build();
    this.append(result.rows ?? [], { isFirst: true });
  }

  build() {
    this.filterInput = h("input", { type: "search", class: "grid-filter", placeholder: "Filter loaded rows",
      "aria-label": "Filter the loaded rows", title: "Shows the loaded rows whose text contains this (any column)",
      oninput: () => this.scheduleFilter() });
    this.viewNote = h("span", { class: "grid-view-note", "aria-live": "polite" });
    this.copyButton = h("button", { type: "button", class: "grid-copy", "aria-haspopup": "menu",
      title: "Copy the selection (or all loaded rows) in a format", onclick: () => this.openCopyMenu() }, "Copy ▸");
    this.jumpButton = h("button", { type: "button", class: "grid-jump", title: "Fetch the rest of the rows and show the last",
      onclick: () => this.jumpToEnd() }, "Jump to end");
    this.colgroup = h("colgroup");
    this.headRow = h("tr");
    this.head = h("thead", {}, this.headRow);
    this.body = h("tbody");
    this.table = h("table", { class: "grid results-grid vgrid" }, this.colgroup, this.head, this.body);
    this.sizer = h("div", { class: "vgrid-sizer" }, this.table);
    this.scroller = h("div", { class: "grid-scroll vgrid-scroll", tabindex: "0", role: "grid",
      "aria-label": "Result rows", onscroll: () => this.scheduleRender() }, this.sizer);
    this.selection.attach(this.scroller, this.head, this.body);
    this.moreButton = h("button", { type: "button", id: "load-more", onclick: () => this.more() }, "Load more");
    this.countNote = h("span", { class: "grid-count" });
    this.footerNote = h("span", { class: "grid-note" });
    this.infoNote = h("span", { class: "grid-info", "aria-live": "polite" });
    this.footer = h("div", { class: "grid-footer" }, this.moreButton, this.countNote, this.infoNote, this.footerNote);
    this.container.replaceChildren(h("div", { class: "grid-toolbar" }, this.filterInput, this.viewNote,
      h("span", { class: "spacer" }), this.editor?.bar ?? "", this.copyButton, this.jumpButton), this.scroller, this.footer);
    const style = getComputedStyle(this.table);  // a canvas takes no "font" shorthand with font-stretch in it
    this.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    this.rowHeight = 0;
    this.rownumDigits = 0;
    this.buildHead();
  }

  buildHead() {
    this.widths = this.columns.map((col) => this.fit(col, this.textWidth(col.name) * 1.1 + WIDTHS.header, 0, WIDTHS.max));
    this.colgroup.replaceChildren(h("col", { class: "rownum-col" }), ...this.columns.map(() => h("col")));
    this.headRow.replaceChildren(h("th", { class: "rownum", title: "Select all (Ctrl+A)" }, "#"),
      ...this.columns.map((col, c) => h("th", { title: `${col.name} (${col.type})`, class: this.numeric[c] ? "num" : null,
        "data-column": c },
      h("span", { class: "col-name" }, col.name),
      h("button", { type: "button", class: "col-sort", tabindex: "-1", title: `Sort the loaded rows by ${col.name}`,
        "aria-label": `Sort the loaded rows by ${col.name}`, onclick: () => this.toggleSort(c) }, "↕"),
      h("span", { class: "col-type" }, col.type),
      h("span", { class: "col-resize", title: "Drag to resize; double-click to fit", onpointerdown: (e) => this.resizeFrom(e, c),
        ondblclick: () => this.setWidth(c, this.fit(this.columns[c], 0, this.rows.length, WIDTHS.fitMax)) }))));
  }

  textWidth(text) {
    this.measurer ??= document.createElement("canvas").getContext("2d");
    this.measurer.font = this.font;
    return this.measurer.measureText(text).width;
  }

  /** A column's width from its header and the text of (up to SAMPLE_ROWS of) rows [0, end). */
  fit(col, least, end, most) {
    const c = this.columns.indexOf(col);
    let width = Math.max(least, this.textWidth(col.type) * 0.85 + WIDTHS.header);
    const step = Math.max(1, Math.floor(end / SAMPLE_ROWS));
    for (let r = 0; r < end; r += step) {
      const value = this.rows[r][c];
      width = Math.max(width, this.textWidth(value === null ? "NULL" : cellText(value)) + WIDTHS.cell);
    }
    return Math.round(Math.min(most, Math.max(WIDTHS.min, width)));
  }

  setWidth(c, width) {
    this.widths[c] = width;
    this.colgroup.children[c + 1].style.width = `${width}px`;
    this.table.style.width = `${this.widths.reduce((a, b) => a + b, this.rownumWidth)}px`;
  }

  resizeFrom(event, c) {
    event.preventDefault();
    event.stopPropagation();
    const handle = event.currentTarget;
    const [startX, startWidth] = [event.clientX, this.widths[c]];
    handle.setPointerCapture(event.pointerId);
    const move = (e) => this.setWidth(c, Math.max(WIDTHS.min, Math.round(startWidth + e.clientX - startX)));
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", () => handle.removeEventListener("pointermove", move), { once: true });
  }

  append(rows, { isFirst = false } = {}) {
    for (const row of rows) this.rows.push(row);
    this.table.dataset.loadedRows = String(this.rows.length);
    if (isFirst) {
      this.columns.forEach((col, c) => { this.widths[c] = this.fit(col, this.widths[c], Math.min(this.rows.length, SAMPLE_ROWS), WIDTHS.max); });
    }
    this.sizeRownums();
    if (this.order) this.applyView();
    else this.render(true);  // now: the rows are on the page when the result is
    this.moreButton.hidden = !this.hasMore;
    this.jumpButton.disabled = false;
    this.countNote.textContent = this.hasMore ? `${this.rows.length} loaded of more than ${this.rows.length} rows`
      : `${this.rows.length} row${this.rows.length === 1 ? "" : "s"}${this.truncated ? " (capped at MAX_RESULT_ROWS)" : ""}`;
    this.onChange();
  }

  sizeRownums() {
    const digits = String(Math.max(this.rows.length, 999)).length;
    if (digits === this.rownumDigits) return;
    this.rownumDigits = digits;
    this.rownumWidth = Math.round(this.textWidth("0".repeat(digits)) + 18);
    this.colgroup.children[0].style.width = `${this.rownumWidth}px`;
    this.widths.forEach((width, c) => this.setWidth(c, width));
  }

  viewLength() {
    return this.order ? this.order.length : this.rows.length;
  }

  /** The index in this.rows of the row shown at position i (after sort and filter). */
  rowIndex(i) {
    return this.order ? this.order[i] : i;
  }

  scheduleRender() {
    if (!this.scroller || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(isForced = false) {
    if (!this.scroller?.isConnected) return;
    const n = this.viewLength();
    const rowHeight = this.rowHeight || 22;
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || FALLBACK_VIEW_HEIGHT;
    const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + height) / rowHeight) + OVERSCAN);
    this.sizer.style.height = `${this.head.offsetHeight + n * rowHeight}px`;
    if (isForced || first !== this.first || last !== this.last || n !== this.shownLength) {
      [this.first, this.last, this.shownLength] = [first, last, n];
      this.table.style.top = `${first * rowHeight}px`;
      const fragment = document.createDocumentFragment();
      for (let i = first; i < last; i += 1) fragment.append(this.rowElement(i));
      this.body.replaceChildren(fragment);
      this.selection.paint();
    }
    const measured = this.body.rows[0]?.getBoundingClientRect().height;
    if (measured && Math.abs(measured - rowHeight) > 0.1) {
      this.rowHeight = measured;
      this.render(true);
      return;
    }
    if (this.hasMore && !this.order && last >= n - OVERSCAN) this.more();
  }

  rowElement(i) {
    const index = this.rowIndex(i);
    const tr = document.createElement("tr");
    tr.dataset.row = String(i);
    const number = document.createElement("td");
    number.className = "rownum";
    number.textContent = String(index + 1);
    tr.append(number);
    this.rows[index].forEach((value, c) => {
      const td = document.createElement("td");
      if (value === null || value === undefined) {
        td.className = "null";
        td.textContent = "NULL";
      } else {
        if (this.numeric[c]) td.className = "num";
        td.textContent = cellText(value);
      }
      tr.append(td);
    });
    this.editor?.decorate(tr, this.rows[index]);
    return tr;
  }

  /** Scroll so the row at view position i (and column c, when given) is in view. */
  scrollToCell(i, c = null) {
    const el = this.scroller;
    const headHeight = this.head.offsetHeight;
    const rowHeight = this.rowHeight || 22;
    const top = i * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (headHeight + top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = headHeight + top + rowHeight - el.clientHeight;
    if (c !== null) {
      const left = this.widths.slice(0, c).reduce((a, b) => a + b, 0);
      if (left < el.scrollLeft) el.scrollLeft = left;
      else if (this.rownumWidth + left + this.widths[c] > el.scrollLeft + el.clientWidth) {
        el.scrollLeft = this.rownumWidth + left + this.widths[c] - el.clientWidth;
      }
    }
    this.render();
  }

  // --- Sort and filter (of the loaded rows) ------------------------------------------------------------------

  scheduleFilter() {
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => {
      this.filterText = this.filterInput.value;
      this.applyView();
    }, 150);
  }

  toggleSort(c) {
    const dir = this.sort?.c !== c ? "asc" : this.sort.dir === "asc" ? "desc" : null;
    this.sort = dir ? { c, dir } : null;
    this.applyView();
  }

  applyView() {
    const needle = this.filterText.toLowerCase();
    const order = viewOrder(this.rows, { needle, sort: this.sort, numeric: this.numeric });
    this.order = order;
    this.selection.reset();
    for (const th of this.headRow.querySelectorAll("th[data-column]")) {
      const c = Number(th.dataset.column);
      const dir = this.sort?.c === c ? this.sort.dir : null;
      th.querySelector(".col-sort").textContent = dir === "asc" ? "▲" : dir === "desc" ? "▼" : "↕";
      th.setAttribute("aria-sort", dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none");
    }
    const parts = [];
    if (needle) parts.push(`${order.length} of the ${this.rows.length} loaded rows match`);
    if (this.sort) parts.push(`sorted by ${this.columns[this.sort.c].name} ${this.sort.dir === "asc" ? "▲" : "▼"}`);
    this.viewNote.textContent = parts.length ? `${parts.join(", ")} (loaded rows only)` : "";
    this.scroller.scrollTop = 0;
    this.render(true);
  }

  // --- Copies and the value viewer -----------------------------------------------------------------------------

  /** The selected block (or every shown row) as {columns, rows}. */
  selectedBlock() {
    const range = this.selection.range() ?? { r0: 0, r1: this.viewLength() - 1, c0: 0, c1: this.columns.length - 1 };
    const rows = [];
    for (let i = range.r0; i <= range.r1; i += 1) rows.push(this.rows[this.rowIndex(i)].slice(range.c0, range.c1 + 1));
    return { columns: this.columns.slice(range.c0, range.c1 + 1), rows };
  }

  async copy(formatId, isWithHeaders) {
    const { columns, rows } = this.selectedBlock();
    try {
      await navigator.clipboard.writeText(formatRows(formatId, columns, rows, isWithHeaders));
      this.setNote(`Copied ${rows.length} row${rows.length === 1 ? "" : "s"} × ${columns.length} column${columns.length === 1 ? "" : "s"} (${formatId.toUpperCase()}).`);
    } catch (err) {
      this.footerNote.textContent = `Could not copy: ${errorText(err)}`;
    }
  }

  openCopyMenu() {
    const subject = this.selection.range() ? "the selection" : "all loaded rows";
    openMenu({ label: `Copy ${subject}`, ...menuPointFor(this.copyButton),
      items: copyMenuItems(subject, (formatId, isWithHeaders) => this.copy(formatId, isWithHeaders)) });
  }

  /** Double-click or Enter: edit the cell when the result is editable, else show its value. */
  openCell(i, c) {
    if (!this.editor?.edit(i, c)) this.openViewer(i, c);
  }

  openViewer(i, c) {
    openValueViewer({ column: this.columns[c], value: this.rows[this.rowIndex(i)][c],
      onClose: () => this.scroller?.focus({ preventScroll: true }) });
  }

  // --- More rows ------------------------------------------------------------------------------------------------

  /** Fetch the next page (limit: rows to ask for); resolves true when rows came for this result. */
  more(limit) {
    if (!this.hasMore || !this.loadMore) return Promise.resolve(false);
    this.loading ??= this.fetchPage(limit).finally(() => { this.loading = null; });
    return this.loading;
  }

  async fetchPage(limit) {
    const generation = this.generation;
    this.moreButton.disabled = true;
    this.moreButton.textContent = "Loading…";
    try {
      const page = await this.loadMore(limit);
      if (generation !== this.generation) return false;
      this.hasMore = Boolean(page.has_more);
      this.truncated = Boolean(page.truncated);
      this.footerNote.textContent = "";
      this.append(page.rows ?? []);
      if (page.rest_let_go && !page.has_more) this.letGo();
      else if (page.released) this.setNote("Rows now come from a private temporary copy: the server's snapshot was released.");
      return true;
    } catch (err) {
      if (generation === this.generation) this.footerNote.textContent = errorText(err);
      return false;
    } finally {
      this.moreButton.disabled = false;
      this.moreButton.textContent = "Load more";
    }
  }

  /** Fetch pages until the last row (the server's MAX_RESULT_ROWS bounds it), then show it; again to stop. */
  async jumpToEnd() {
    if (this.isJumping) {
      this.isJumping = false;
      return;
    }
    const generation = this.generation;
    this.isJumping = true;
    this.jumpButton.textContent = "Stop";
    while (this.isJumping && this.hasMore && generation === this.generation) {
      if (this.loading) await this.loading;
      else if (!await this.more(JUMP_PAGE)) break;
    }
    this.isJumping = false;
    if (generation !== this.generation) return;
    this.jumpButton.textContent = "Jump to end";
    this.selection.moveTo(this.viewLength() - 1, this.selection.focus?.c ?? 0);
  }

  /** A line of information under the rows (not an error). */
  setNote(text) {
    this.infoNote.textContent = text;
  }

  /** The rest of the result was let go (past the spool's bound): say so and offer to run the statement again. */
  letGo() {
    this.hasMore = false;
    this.moreButton.hidden = true;
    this.infoNote.replaceChildren(
      `The rest of the rows were let go (they went past the temporary copy's bound) after ${this.count} rows. `,
      this.onRunAgain ? h("button", { type: "button", id: "run-again", onclick: () => this.onRunAgain() }, "Run again") : "");
    this.onChange();
  }

  /** "N rows", plus whether more are available or the result was capped. */
  summary() {
    if (!this.columns.length) return "";
    let text = `${this.count} row${this.count === 1 ? "" : "s"}`;
    if (this.hasMore) text += " (more available)";
    if (this.truncated) text += " (truncated at the administrator's MAX_RESULT_ROWS)";
    return text;
  }
}
