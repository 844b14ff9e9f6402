// EXPLAIN (FORMAT JSON) output as a readable tree (self time, misestimates, buffers, the slowest path) or as text.
import { h } from "./api.js";
import { annotate, flatten, isTimed, modifiesData, planDocument } from "./lib/plan_math.js";
import { detailLines, planText } from "./lib/plan_text.js";
import { errorText } from "./ui.js";

const fmt = (n, digits = 2) => (typeof n === "number" ? n.toFixed(digits) : String(n));
const ms = (n) => `${fmt(n, n >= 100 ? 0 : n >= 1 ? 2 : 3)} ms`;
const DETAIL_KEYS = ["Join Type", "Strategy", "Sort Key", "Hash Cond", "Index Cond", "Filter", "Join Filter",
  "Merge Cond", "Recheck Cond", "Group Key", "Rows Removed by Filter", "Workers Launched"];
const SLOW_TITLE = { true: "on the slowest path: from the top, each time the child that took longest",
  false: "on the costliest path (no actual times): from the top, each time the child of highest total cost" };
const IO_CLASSES = { Buffers: "buffers", "I/O Timings": "io-time", WAL: "wal" };
let chosenView = "tree";  // the last view the user picked, kept for the next plan

function target(node) {
  const parts = [];
  if (node["Relation Name"]) {
    const rel = node.Schema ? `${node.Schema}.${node["Relation Name"]}` : node["Relation Name"];
    parts.push(`on ${rel}${node.Alias && node.Alias !== node["Relation Name"] ? ` ${node.Alias}` : ""}`);
  } else if (node.Alias && node["Node Type"] !== "Result") {
    parts.push(`on ${node.Alias}`);
  }
  if (node["Index Name"]) parts.push(`using ${node["Index Name"]}`);
  if (node["CTE Name"]) parts.push(`CTE ${node["CTE Name"]}`);
  if (node["Function Name"]) parts.push(`function ${node["Function Name"]}`);
  return parts.join(" ");
}

function details(node) {
  return DETAIL_KEYS.filter((key) => node[key] !== undefined).map((key) => {
    const value = Array.isArray(node[key]) ? node[key].join(", ") : node[key];
    return h("div", { class: "plan-detail" }, h("span", { class: "plan-key" }, `${key}: `), String(value));
  });
}

function misestimateBadge(estimate) {
  if (!estimate?.isFlagged) return null;
  const factor = estimate.factor >= 100 ? estimate.factor.toFixed(0) : estimate.factor.toFixed(1);
  const what = estimate.direction === "under" ? "under-estimated" : "over-estimated";
  return h("span", { class: "plan-misestimate", "data-direction": estimate.direction,
    title: `estimated ${estimate.estimated} rows, got ${estimate.actual} (over all loops)` },
  `rows ${what} ×${factor}`);
}

/** Buffers, I/O and WAL lines as EXPLAIN's text writes them (they include the children's). */
function ioLines(node) {
  return detailLines(node).map((line) => [line, IO_CLASSES[line.slice(0, line.indexOf(":"))]])
    .filter(([, kind]) => kind).map(([line, kind]) => h("div", { class: `plan-io plan-${kind}` }, line));
}

function estimates(node) {
  return [
    node["Total Cost"] !== undefined ? h("span", { class: "plan-cost", title: "estimated startup..total cost" },
      `cost ${fmt(node["Startup Cost"])}..${fmt(node["Total Cost"])}`) : null,
    h("span", { class: "plan-rows", title: "estimated rows a loop" }, `rows ${node["Plan Rows"]}`),
    node["Plan Width"] !== undefined ? h("span", { class: "plan-width" }, `width ${node["Plan Width"]}`) : null,
  ];
}

function actuals(step, total) {
  const { node } = step;
  if (node["Actual Loops"] === 0) return [h("span", { class: "plan-actual" }, "never executed")];
  if (node["Actual Rows"] === undefined) return [];
  const out = [h("span", { class: "plan-actual" }, node["Actual Total Time"] === undefined
    ? `actual rows ${node["Actual Rows"]}, loops ${node["Actual Loops"]}`
    : `actual ${fmt(node["Actual Startup Time"], 3)}..${fmt(node["Actual Total Time"], 3)} ms, `
      + `rows ${node["Actual Rows"]}, loops ${node["Actual Loops"]}`)];
  if (node["Actual Total Time"] !== undefined && total > 0) {
    const share = Math.min(100, (step.exclusive * 100) / total);
    out.push(h("span", { class: "plan-exclusive", title: "time in this node alone (its children's taken off)" },
      `self ${ms(step.exclusive)}`),
    h("span", { class: "plan-share", title: "share of the total time spent in this node alone" }, `${share.toFixed(0)}%`));
  }
  return out;
}

function nodeItem(step, total) {
  const { node } = step;
  const relation = node["Parent Relationship"];
  return h("li", { class: step.isSlowPath ? "plan-slow" : null },
    h("div", { class: "plan-node", "data-node-type": node["Node Type"],
      title: step.isSlowPath ? SLOW_TITLE[total > 0] : null },
    h("div", { class: "plan-title" },
      h("strong", { class: "plan-type" }, node["Node Type"]),
      node["Subplan Name"] ? h("span", { class: "plan-rel" }, ` (${node["Subplan Name"]})`)
        : relation && relation !== "Outer" ? h("span", { class: "plan-rel" }, ` (${relation})`) : null,
      " ", h("span", { class: "plan-target" }, target(node)), " ", misestimateBadge(step.misestimate)),
    h("div", { class: "plan-stats" }, estimates(node), actuals(step, total)),
    details(node), ioLines(node)),
    step.children.length ? h("ul", {}, step.children.map((child) => nodeItem(child, total))) : null);
}

async function copy(text, note) {
  try {
    await navigator.clipboard.writeText(text);
    note.textContent = "Copied.";
  } catch (err) {
    note.textContent = `Could not copy: ${errorText(err)}`;
  }
}

function summary(doc, tree) {
  const parts = [];
  if (doc["Planning Time"] !== undefined) parts.push(`Planning time ${fmt(doc["Planning Time"], 3)} ms`);
  if (doc["Execution Time"] !== undefined) parts.push(`Execution time ${fmt(doc["Execution Time"], 3)} ms`);
  const flagged = flatten(tree).filter((step) => step.misestimate?.isFlagged).length;
  if (flagged) parts.push(`${flagged} row misestimate${flagged === 1 ? "" : "s"} of 10× or more`);
  return parts.length ? h("p", { class: "plan-timings" }, parts.join(" · ")) : null;
}

function toolbar(views, doc, raw) {
  const note = h("span", { class: "plan-note", "aria-live": "polite" });
  const switcher = (name, label) => h("button", { type: "button", class: "plan-switch", id: `plan-view-${name}`,
    "aria-pressed": String(name === chosenView), onclick: () => show(name) }, label);
  const buttons = { tree: switcher("tree", "Tree"), text: switcher("text", "Text") };
  function show(name) {
    chosenView = name;
    for (const [key, el] of Object.entries(views)) el.hidden = key !== name;
    for (const [key, el] of Object.entries(buttons)) el.setAttribute("aria-pressed", String(key === name));
  }
  show(chosenView);
  return h("div", { class: "plan-toolbar", role: "toolbar", "aria-label": "Plan" }, buttons.tree, buttons.text,
    h("span", { class: "sep" }),
    h("button", { type: "button", id: "plan-copy-json", onclick: () => copy(JSON.stringify(raw, null, 2), note) },
      "Copy JSON"),
    h("button", { type: "button", id: "plan-copy-text", onclick: () => copy(planText(doc), note) }, "Copy text"),
    note);
}

/** Render the plan of a FORMAT JSON result into container; returns false if the result holds no plan. */
export function renderPlan(container, result) {
  let doc;
  const cell = result?.rows?.[0]?.[0];
  try {
    doc = planDocument(cell);
  } catch (err) {
    container.replaceChildren(h("p", { class: "error" }, `The plan is not valid JSON: ${err.message}`));
    return false;
  }
  if (!doc) {
    container.replaceChildren(h("p", { class: "hint" }, "No plan in this result."));
    return false;
  }
  const tree = annotate(doc.Plan);
  const total = isTimed(doc.Plan) ? tree.inclusive : 0;
  const isAnalyzed = doc.Plan["Actual Loops"] !== undefined;
  const views = {
    tree: h("ul", { class: "plan-tree" }, nodeItem(tree, total)),
    text: h("pre", { class: "plan-text" }, planText(doc)),
  };
  const raw = typeof cell === "string" ? JSON.parse(cell) : cell;
  const ran = isAnalyzed && modifiesData(doc.Plan) ? h("p", { class: "warning plan-modified", role: "status" },
    "ANALYZE really ran this data-changing statement: its changes were made in this tab's transaction, "
    + "as any statement's are (committed already under auto-commit; otherwise Commit or Rollback).") : null;
  container.replaceChildren(...[toolbar(views, doc, raw), ran, summary(doc, tree), views.tree, views.text]
    .filter(Boolean));
  return true;
}
