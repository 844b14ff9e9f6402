// One result tab per statement that returned rows: the paged one keeps the main grid, the others their preview.
import { h } from "./api.js";
import { ResultsGrid } from "./results_grid.js";

function label(st) {
  return `${st.index + 1}: ${st.command ?? "rows"}`;
}

export class StatementResults {
  /** strip: the tab list; main: the paged result's ResultsGrid; previewEl: where another statement's preview shows;
   * onSelect(): another set is in view (previewSet: its statement, null for the paged one). */
  constructor({ strip, main, previewEl, onSelect = () => {} }) {
    this.strip = strip;
    this.onSelect = onSelect;
    this.previewSet = null;
    this.main = main;
    this.previewEl = previewEl;
    this.preview = new ResultsGrid(previewEl, { loadMore: null });
    this.sets = [];
    this.pagedIndex = null;
  }

  clear() {
    this.sets = [];
    this.previewSet = null;
    this.strip.replaceChildren();
    this.strip.hidden = true;
    this.previewEl.replaceChildren();
    this.previewEl.hidden = true;
    this.main.container.hidden = false;
  }

  /** Show a finished script: a tab per row set (when there is more than one), the paged one selected. */
  show(result) {
    this.sets = (result.statements ?? []).filter((st) => Array.isArray(st.columns));
    this.pagedIndex = result.rows_statement_index ?? null;
    this.strip.replaceChildren(...this.sets.map((st) => h("button", {
      type: "button", role: "tab", class: "result-set", "data-statement": String(st.index),
      title: `Statement ${st.index + 1}${st.row_count != null ? `: ${st.row_count} rows` : ""}`,
      onclick: () => this.select(st.index),
    }, label(st))));
    this.strip.hidden = this.sets.length < 2;
    this.select(this.pagedIndex ?? this.sets.at(-1)?.index ?? null);
  }

  select(index) {
    const isPaged = index === null || index === this.pagedIndex;
    this.previewSet = isPaged ? null : this.sets.find((s) => s.index === index);
    for (const tab of this.strip.children) {
      const isActive = Number(tab.dataset.statement) === index;
      tab.classList.toggle("active", isActive);
      tab.setAttribute("aria-selected", String(isActive));
    }
    this.main.container.hidden = !isPaged;
    this.previewEl.hidden = isPaged;
    if (isPaged) {
      this.previewEl.replaceChildren();  // one grid's rows in the page at a time
      this.onSelect();
      return;
    }
    const st = this.previewSet;
    this.preview.show({ columns: st.columns, rows: st.rows ?? [], has_more: false });
    const shown = (st.rows ?? []).length;
    if (st.row_count != null && st.row_count > shown) {
      this.preview.setNote(`A preview: the first ${shown} of ${st.row_count} rows. Run this statement on its own to page through all.`);
    }
    this.onSelect();
  }
}
