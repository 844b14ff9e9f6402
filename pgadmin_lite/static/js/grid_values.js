// How the result grid shows, sorts and classifies a value: the API sends PostgreSQL's text forms (arrays, ranges,
// composites, intervals as psql prints them), numbers and booleans as JSON, NULL as null.
import { h } from "./api.js";

const NUMERIC_TYPES = /^(int[248]|smallint|integer|bigint|numeric|decimal|float[48]|real|double precision|money|oid)\b/;
const MAX_SHOWN = 1000;  // characters of one value put in a cell (the value viewer shows all of it)
const LONG_VALUE = 200;
const collator = new Intl.Collator(undefined, { numeric: true });

/** Numbers (not arrays of them) are right-aligned and sorted as numbers. */
export function isNumericType(type) {
  return NUMERIC_TYPES.test(type ?? "") && !(type ?? "").endsWith("]");
}

/** What the value viewer offers for a column's type. */
export function viewerKind(type) {
  const name = (type ?? "").replace(/\(.*\)/, "");
  if (name.endsWith("]")) return "text";
  if (name === "json" || name === "jsonb") return "json";
  if (name === "xml") return "xml";
  if (name === "bytea") return "bytea";
  return "text";
}

/** The whole text of a value (null stays null): what copies and the value viewer use. */
export function valueText(value) {
  if (value === null || value === undefined) return null;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The text a cell shows: one line (a line break is shown as ↵), at most MAX_SHOWN characters. */
export function cellText(value) {
  const text = valueText(value);
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  return shown.replace(/\r?\n/g, "↵");
}

/** Order of two values of one column: NULL last (as PostgreSQL's ASC), numbers as numbers, text naturally. */
function compareValues(a, b, isNumeric) {
  if (a === null || b === null) return (a === null) - (b === null);
  if (isNumeric) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) - Number.isNaN(y);  // NaN sorts above all
    return x - y;
  }
  if (typeof a === "boolean") return a - b;
  return collator.compare(valueText(a), valueText(b));
}

/** The shown order of rows (indexes), or null for all in their own order: those containing needle (any column,
 * case-insensitive), sorted by sort = {c, dir} (ties keep their order). */
export function viewOrder(rows, { needle, sort, numeric }) {
  let order = null;
  if (needle) {
    order = [];
    rows.forEach((row, i) => {
      if (row.some((v) => v !== null && valueText(v).toLowerCase().includes(needle))) order.push(i);
    });
  }
  if (sort) {
    const { c, dir } = sort;
    const sign = dir === "asc" ? 1 : -1;
    order ??= rows.map((_, i) => i);
    order.sort((a, b) => sign * compareValues(rows[a][c], rows[b][c], numeric[c]) || a - b);
  }
  return order;
}

/** One <td> of a plain (non-virtual) table, as View data uses: NULL is a styled marker, never the text "NULL". */
export function cell(value, isNumeric) {
  if (value === null || value === undefined) return h("td", { class: "null" }, "NULL");
  const text = valueText(value);
  const td = h("td", { class: isNumeric ? "num" : null }, text.length > LONG_VALUE ? `${text.slice(0, LONG_VALUE)}…` : text);
  if (text.length > LONG_VALUE || text.includes("\n")) td.title = text.length > 10_000 ? `${text.slice(0, 10_000)}…` : text;
  return td;
}
