// The results grid: column names and types, NULL shown distinctly, more rows on scroll or on demand.
import { h } from "./api.js";
import { errorText } from "./ui.js";

const NUMERIC_TYPES = /^(int[248]|smallint|integer|bigint|numeric|decimal|float[48]|real|double precision|money|oid)\b/;
const LONG_VALUE = 200;

/** One cell: NULL is a styled marker (never the text "NULL"); objects and arrays as JSON. */
export function cell(value, isNumeric) {
  if (value === null || value === undefined) return h("td", { class: "null" }, "NULL");
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  const td = h("td", { class: isNumeric ? "num" : null }, text.length > LONG_VALUE ? `${text.slice(0, LONG_VALUE)}…` : text);
  if (text.length > LONG_VALUE || text.includes("\n")) td.title = text.length > 10_000 ? `${text.slice(0, 10_000)}…` : text;
  return td;
}

export class ResultsGrid {
  /** loadMore() must resolve to {rows, has_more, truncated, released, rest_let_go} (POST …/fetch);
   * onRunAgain() re-runs the statement when the rest of its rows were let go. */
  constructor(container, { loadMore, onRunAgain }) {
    this.container = container;
    this.loadMore = loadMore;
    this.onRunAgain = onRunAgain;
    this.loading = false;
    this.columns = [];
    this.count = 0;
    this.hasMore = false;
    this.truncated = false;
    this.generation = 0;
    this.onChange = () => {};
  }

  clear(note) {
    this.generation += 1;
    this.columns = [];
    this.count = 0;
    this.hasMore = false;
    this.container.replaceChildren(note ? h("p", { class: "hint empty-result" }, note) : "");
    this.onChange();
  }

  show(result) {
    this.generation += 1;
    this.columns = result.columns ?? [];
    this.count = 0;
    this.hasMore = Boolean(result.has_more);
    this.truncated = Boolean(result.truncated);
    if (!this.columns.length) {
      this.clear("No rows: the last statement returned no result set (see Messages).");
      return;
    }
    this.numeric = this.columns.map((col) => NUMERIC_TYPES.test(col.type ?? ""));
    this.body = h("tbody");
    this.moreButton = h("button", { type: "button", id: "load-more", onclick: () => this.more() }, "Load more");
    this.footerNote = h("span", { class: "grid-note" });
    this.infoNote = h("span", { class: "grid-info", "aria-live": "polite" });
    this.footer = h("div", { class: "grid-footer" }, this.moreButton, this.infoNote, this.footerNote);
    const head = h("thead", {}, h("tr", {},
      h("th", { class: "rownum" }, "#"),
      this.columns.map((col, i) => h("th", { title: `${col.name} (${col.type})`, class: this.numeric[i] ? "num" : null },
        h("span", { class: "col-name" }, col.name), h("span", { class: "col-type" }, col.type)))));
    this.scroller = h("div", { class: "grid-scroll", onscroll: () => this.nearBottom() && this.more() },
      h("table", { class: "grid results-grid" }, head, this.body), this.footer);
    this.container.replaceChildren(this.scroller);
    this.append(result.rows ?? []);
  }

  append(rows) {
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      this.count += 1;
      fragment.append(h("tr", {}, h("td", { class: "rownum" }, this.count), row.map((v, i) => cell(v, this.numeric[i]))));
    }
    this.body.append(fragment);
    this.moreButton.hidden = !this.hasMore;
    this.onChange();
  }

  nearBottom() {
    const el = this.scroller;
    return el.scrollTop + el.clientHeight >= el.scrollHeight - 150;
  }

  async more() {
    if (!this.hasMore || this.loading) return;
    const generation = this.generation;
    this.loading = true;
    this.moreButton.disabled = true;
    this.moreButton.textContent = "Loading…";
    try {
      const page = await this.loadMore();
      if (generation !== this.generation) return;
      this.hasMore = Boolean(page.has_more);
      this.truncated = Boolean(page.truncated);
      this.footerNote.textContent = "";
      this.append(page.rows ?? []);
      if (page.rest_let_go && !page.has_more) this.letGo();
      else if (page.released) this.setNote("Rows now come from a private temporary copy: the server's snapshot was released.");
    } catch (err) {
      this.footerNote.textContent = errorText(err);
    } finally {
      this.loading = false;
      this.moreButton.disabled = false;
      this.moreButton.textContent = "Load more";
    }
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
