// Copies of grid rows: TSV that pastes into spreadsheets, CSV as PostgreSQL writes it, JSON, Markdown, SQL INSERTs.
import { valueText } from "./grid_values.js";

function quoteIfNeeded(text, special) {
  return special.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function tsv(columns, rows, isWithHeaders) {
  const field = (v) => quoteIfNeeded(valueText(v) ?? "", /[\t\n\r"]/);
  const lines = rows.map((row) => row.map(field).join("\t"));
  if (isWithHeaders) lines.unshift(columns.map((c) => field(c.name)).join("\t"));
  return lines.join("\n");
}

function csv(columns, rows, isWithHeaders) {
  // NULL is an empty field and the empty string a quoted one, as COPY … CSV writes them.
  const field = (v) => (v === null ? "" : valueText(v) === "" ? '""' : quoteIfNeeded(valueText(v), /[,\n\r"]/));
  const lines = rows.map((row) => row.map(field).join(","));
  if (isWithHeaders) lines.unshift(columns.map((c) => field(c.name)).join(","));
  return `${lines.join("\n")}\n`;
}

function json(columns, rows, isWithHeaders) {
  const items = isWithHeaders ? rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i]]))) : rows;
  return JSON.stringify(items, null, 2);
}

function markdown(columns, rows, isWithHeaders) {
  const field = (v) => (v === null ? "NULL" : valueText(v).replaceAll("|", "\\|").replace(/\r?\n/g, "<br>"));
  const line = (cells) => `| ${cells.join(" | ")} |`;
  const head = isWithHeaders ? columns.map((c) => field(c.name)) : columns.map(() => " ");
  return [line(head), line(columns.map(() => "---")), ...rows.map((row) => line(row.map(field)))].join("\n");
}

function sqlIdentifier(name) {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function sqlLiteral(value) {
  if (value === null) return "NULL";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `'${valueText(value).replaceAll("'", "''")}'`;
}

function inserts(columns, rows, isWithHeaders) {
  const names = isWithHeaders ? ` (${columns.map((c) => sqlIdentifier(c.name)).join(", ")})` : "";
  return rows.map((row) => `INSERT INTO result_table${names} VALUES (${row.map(sqlLiteral).join(", ")});`).join("\n");
}

/** The formats of the Copy menu: label and writer(columns, rows, isWithHeaders). */
export const COPY_FORMATS = [
  { id: "tsv", label: "TSV (spreadsheets)", write: tsv },
  { id: "csv", label: "CSV", write: csv },
  { id: "json", label: "JSON", write: json },
  { id: "markdown", label: "Markdown table", write: markdown },
  { id: "sql", label: "SQL INSERT statements", write: inserts },
];

/** The Copy ▸ menu: each format with headers (column names, JSON keys, an INSERT's column list) or without. */
export function copyMenuItems(subject, copy) {
  const items = (isWithHeaders) => COPY_FORMATS.map((f) => ({ label: f.label, action: () => copy(f.id, isWithHeaders) }));
  return [
    { label: `Copy ${subject} with headers`, items: items(true) },
    { label: `Copy ${subject} without headers`, items: items(false) },
  ];
}

export function formatRows(formatId, columns, rows, isWithHeaders) {
  return COPY_FORMATS.find((f) => f.id === formatId).write(columns, rows, isWithHeaders);
}
