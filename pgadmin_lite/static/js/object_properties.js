// The Properties tab: the curated tabs of GET objects/properties (General, Definition, Columns, Constraints,
// Security…) as sub-tabs of name/value lists, tables and code; and sizes as pg_size_pretty writes them.
import { h } from "./api.js";

function value(v) {
  if (v === null || v === undefined || v === "") return h("span", { class: "null" }, "—");
  return String(v);
}

function fieldsSection(section) {
  return h("table", { class: "grid kv" }, h("tbody", {},
    section.items.map((item) => h("tr", {}, h("th", {}, item.label), h("td", {}, value(item.value))))));
}

function tableSection(section) {
  const body = section.rows.length
    ? h("table", { class: "grid list", "data-section": section.title },
      h("thead", {}, h("tr", {}, section.columns.map((c) => h("th", {}, c)))),
      h("tbody", {}, section.rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, value(cell)))))))
    : h("p", { class: "hint" }, section.empty ?? "None.");
  return [h("h3", {}, section.title), section.note ? h("p", { class: "hint" }, section.note) : null, body];
}

function codeSection(section) {
  return [h("h3", {}, section.title), h("pre", { class: "sql-text" }, section.text)];
}

const RENDER = { fields: fieldsSection, table: tableSection, code: codeSection };

/** The curated properties: one sub-tab per group, the first shown. */
export function renderProperties(result) {
  const nav = h("nav", { class: "qt-tabs props-tabs", role: "tablist" });
  const panes = h("div", { class: "props-panes" });
  const show = (id) => {
    for (const b of nav.children) b.classList.toggle("active", b.dataset.propsTab === id);
    for (const p of panes.children) p.hidden = p.dataset.propsPane !== id;
  };
  for (const tab of result.tabs) {
    nav.append(h("button", { type: "button", class: "tab", role: "tab", "data-props-tab": tab.id, onclick: () => show(tab.id) },
      tab.label));
    panes.append(h("div", { class: "props-pane", "data-props-pane": tab.id }, tab.sections.flatMap((s) => RENDER[s.type](s))));
  }
  show(result.tabs[0]?.id);
  return h("div", { class: "curated-properties" }, nav, panes);
}

// pg_size_pretty's units (PostgreSQL 15+), as browser/humanize.py has them: name, limit, half-rounding, bits.
const SIZE_UNITS = [["bytes", 10 * 1024, false, 0], ["kB", 20 * 1024 - 1, true, 10], ["MB", 20 * 1024 - 1, true, 20],
  ["GB", 20 * 1024 - 1, true, 30], ["TB", 20 * 1024 - 1, true, 40], ["PB", 20 * 1024 - 1, true, 50]];

/** A byte count as pg_size_pretty writes it ("8192 bytes", "16 kB"). */
export function prettySize(bytes) {
  let size = BigInt(bytes);
  const abs = (n) => (n < 0n ? -n : n);
  for (let i = 0; i < SIZE_UNITS.length; i += 1) {
    const [name, limit, rounds, bits] = SIZE_UNITS[i];
    if (i === SIZE_UNITS.length - 1 || abs(size) < BigInt(limit)) {
      if (rounds) size = (size + (size < 0n ? -1n : 1n)) / 2n;
      return `${size} ${name}`;
    }
    const [, , nextRounds, nextBits] = SIZE_UNITS[i + 1];
    size /= 1n << BigInt(nextBits - bits - Number(nextRounds) + Number(rounds));
  }
  return String(bytes);
}

// A timestamp as PostgreSQL prints it; shown to the second.
const TIMESTAMP = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d+/;

/** Statistics with every *_bytes figure as pg_size_pretty writes it, and times to the second. */
export function humanStats(stats) {
  if (!stats) return stats;
  return Object.fromEntries(Object.entries(stats).map(([key, v]) => {
    if (key.endsWith("_bytes") && v !== null) return [`${key.slice(0, -6)}_size`, prettySize(v)];
    return [key, typeof v === "string" ? v.replace(TIMESTAMP, "$1") : v];
  }));
}
